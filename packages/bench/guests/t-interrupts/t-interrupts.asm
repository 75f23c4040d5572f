; t-interrupts.asm: external interrupts through the 8259A and 8254: IRQ0 delivery, hlt wake-up, the sti and mov ss shadows, IF and EOI holding an IRQ back.
;
; Only facts that do not depend on timing are printed: where an interrupt lands relative to
; the instruction that enabled it, never how many ticks or loop iterations passed. An IRQ is
; made pending first (IF=0, the 8259A IRR polled until bit 0 is set), then the instruction
; under test opens the window. Shadows, per SDM Vol. 2 STI and MOV: "the processor will not
; respond to maskable hardware interrupts until after the next instruction" after STI; MOV SS
; and POP SS inhibit interrupts and single-step traps "until the instruction boundary
; following the next instruction".
%include "t-lib.inc"

%define PIT_CH0   0x40
%define PIT_MODE  0x43
%define IRQ0_VEC  T_IRQ_BASE

section .text
; irq0_handler: records the first IRQ0 after `armed` was set; EOI unless `no_eoi`.
irq0_handler:
    inc dword [irq_count]
    cmp dword [armed], 0
    je .eoi
    mov dword [armed], 0
    mov eax, [ebp + F_EIP]
    mov [rec_eip], eax
    mov eax, [ebp + F_EFLAGS]
    mov [rec_flags], eax
    mov eax, [ebp + F_CS]
    mov [rec_cs], eax
    pushfd
    pop eax
    mov [rec_inner_flags], eax
.eoi:
    cmp dword [no_eoi], 0
    jne .done
    mov al, 0x20
    out PIC1_CMD, al
.done:
    xor eax, eax
    ret

; db_handler: records the EIP of the first single-step trap, clears TF in the frame.
db_handler:
    mov eax, [ebp + F_EIP]
    mov [rec_eip], eax
    and dword [ebp + F_EFLAGS], ~0x100
    xor eax, eax
    ret

; wait_irr: returns once IRQ0 is pending in the master's IRR.
wait_irr:
    mov al, 0x0A                ; OCW3: read IRR
    out PIC1_CMD, al
.l: in al, PIC1_CMD
    test al, 1
    jz .l
    ret

; print_rec: " eip=<label>+<rec_eip - EBX>".
print_rec:
    PUTS " eip=+"
    mov eax, [rec_eip]
    sub eax, ebx
    HEX8 eax
    ret

global test_main
test_main:
    PUTSL "t-interrupts: 8259A/8254 IRQ0, hlt, shadows, IF, EOI"
    mov dword [t_handlers + IRQ0_VEC*4], irq0_handler
    mov dword [t_handlers + 1*4], db_handler
    ; PIT channel 0: mode 2, count 1193 (about 1 kHz)
    mov al, 0x34
    out PIT_MODE, al
    mov al, 1193 & 0xFF
    out PIT_CH0, al
    mov al, 1193 >> 8
    out PIT_CH0, al
    mov al, 0xFE                ; unmask IRQ0 only
    out PIC1_DATA, al

    ; ---- sti; hlt: the interrupt wakes hlt and returns after it
    mov dword [armed], 1
    sti
    hlt
.after_hlt:
    cli
    PUTS "sti; hlt: woken by vector "
    HEX8 [rec_vec_const]
    mov ebx, .after_hlt
    call print_rec
    PUTS " (after hlt) cs="
    HEX16 [rec_cs]
    PUTS " pushed if="
    mov eax, [rec_flags]
    shr eax, 9
    and eax, 1
    HEX8 eax
    PUTS " if in handler="
    mov eax, [rec_inner_flags]
    shr eax, 9
    and eax, 1
    HEX8 eax
    NL

    ; ---- a pending IRQ waits while IF=0
    call wait_irr
    mov eax, [irq_count]
    mov ecx, 2000
.spin:
    loop .spin
    sub eax, [irq_count]
    PUTS "irq0 pending with IF=0, delivered meanwhile: "
    HEX8 eax
    NL

    ; ---- sti shadow: one instruction runs first
    call wait_irr
    mov dword [armed], 1
    xor ebx, ebx
.sti:
    sti
    inc ebx
    inc ebx
    cli
    PUTS "pending irq0; sti; inc ebx: interrupt at"
    mov ebx, .sti
    call print_rec
    PUTSL " (after the first inc)"

    ; ---- popfd setting IF has no shadow
    call wait_irr
    mov dword [armed], 1
    push dword 0x202
.popfd:
    popfd
    inc ebx
    inc ebx
    cli
    PUTS "pending irq0; popfd (IF=1); inc ebx: interrupt at"
    mov ebx, .popfd
    call print_rec
    PUTSL " (right after popfd)"

    ; ---- without an EOI the next IRQ0 stays pending
    mov dword [no_eoi], 1
    mov dword [irq_count], 0
    call wait_irr
    sti
    nop
    cli
    call wait_irr               ; the next tick is latched in the IRR
    sti
    mov ecx, 2000
.spin2:
    loop .spin2
    cli
    PUTS "no EOI: irq0 deliveries while in service: "
    HEX8 [irq_count]
    mov dword [no_eoi], 0
    mov al, 0x20
    out PIC1_CMD, al
    sti
    nop
    cli
    PUTS ", after the EOI: "
    HEX8 [irq_count]
    NL
    mov al, 0xFF
    out PIC1_DATA, al

    ; ---- single-step shadows: mov ss / pop ss hold the trap one instruction longer
    mov ax, SEL_DATA0
    push dword 0x102
.tf_ds:
    popfd
    mov ds, ax
    inc ebx
    inc ebx
    PUTS "TF; mov ds,ax; inc: trap at"
    mov ebx, .tf_ds
    call print_rec
    PUTSL " (after mov ds)"
    mov ax, SEL_DATA0
    push dword 0x102
.tf_ss:
    popfd
    mov ss, ax
    inc ebx
    inc ebx
    PUTS "TF; mov ss,ax; inc: trap at"
    mov ebx, .tf_ss
    call print_rec
    PUTSL " (after the inc: mov ss shadow)"
    push ss
    push dword 0x102
.tf_popss:
    popfd
    pop ss
    inc ebx
    inc ebx
    PUTS "TF; pop ss; inc: trap at"
    mov ebx, .tf_popss
    call print_rec
    PUTSL " (after the inc: pop ss shadow)"
    PUTSL "t-interrupts: done"
    ret

section .data
rec_vec_const: dd IRQ0_VEC
armed: dd 0
no_eoi: dd 0
irq_count: dd 0
rec_eip: dd 0
rec_flags: dd 0
rec_cs: dd 0
rec_inner_flags: dd 0
