; t-exceptions.asm: every exception an i686 raises from software, with its error code and pushed frame.
;
; Each line: the vector, the error code when the CPU pushes one, EIP as an offset from the
; start of the TRY block (a fault points at the faulting instruction, a trap after it), CS,
; the pushed EFLAGS (RF left out, see t-lib.inc) and the size of the pushed frame. Not here:
; NMI and #MC (hardware only), #XM (SSE), #AC (QEMU does not model alignment checking: a
; misaligned ring-3 access with CR0.AM and EFLAGS.AC set raises nothing under it), ICEBP (f1:
; the SDM's INT1, a #DB trap; QEMU 7.2 raises #UD for it, so `int 1` stands in) and the ring-3
; cases (in t-privilege). #DF prints no EIP: "Saved contents of CS and EIP registers
; are undefined" (SDM Vol. 3 §6.15, interrupt 8).
%include "t-lib.inc"
%include "t-paging.inc"

%define SEL_NP_DATA  0x30       ; GDT[6]: data, not present
%define SEL_XO_CODE  0x38       ; GDT[7]: execute-only code
%define SEL_RO_DATA  0x40       ; GDT[8]: read-only data
%define SEL_NP_CODE  0x48       ; GDT[9]: code, not present
%define SEL_BEYOND   0x100      ; index 32: past the GDT limit

section .text
; df_handler: #DF is an abort: report the error code only, then back to the TRY resume point.
df_handler:
    PUTS "#DF err="
    HEX32 [ebp + F_ERR]
    PUTS " cs="
    HEX16 [ebp + F_CS]
    NL
    mov eax, 1
    ret

; db_report: prints DR6's B0-B3 BD BS BT bits after a #DB reported by the TRY block.
print_dr6:
    PUTS "  dr6&e00f="
    mov eax, dr6
    and eax, 0xE00F
    HEX16 eax
    NL
    ret

global test_main
test_main:
    PUTSL "t-exceptions: vector, error code, pushed frame"
    ; descriptors for the segment faults
    mov eax, 6
    xor ebx, ebx
    mov ecx, 0xFFFFF
    mov edx, 0xC012             ; data RW, P=0
    call t_gdt_set
    mov eax, 7
    mov edx, 0xC098             ; code execute-only
    call t_gdt_set
    mov eax, 8
    mov edx, 0xC090             ; data read-only
    call t_gdt_set
    mov eax, 9
    mov edx, 0xC01A             ; code, P=0
    call t_gdt_set

    ; ---- #DE
    xor ebx, ebx
    mov eax, 1
    xor edx, edx
    TRY 0, "div ebx (0)"
    div ebx
    ENDTRY
    mov dword [mem], 0
    TRY 0, "idiv dword [m] (0), after a nop"
    nop
    idiv dword [mem]
    ENDTRY

    ; ---- #DB
    xor eax, eax
    mov dr6, eax
    TRY 1, "int 1 (cd 01)"
    int 1
    ENDTRY
    TRY 1, "popfd TF=1; nop: trap after the nop"
    push dword 0x102
    popfd
    nop
    nop
    ENDTRY
    call print_dr6

    ; ---- #BP, #OF
    TRY 3, "int3 (cc)"
    int3
    ENDTRY
    TRY 3, "int 3 (cd 03)"
    db 0xCD, 0x03
    ENDTRY
    push dword 0x802
    popfd
    TRY 4, "into with OF=1"
    into
    ENDTRY
    push dword 0x002
    popfd
    TRY 4, "into with OF=0"
    into
    ENDTRY

    ; ---- #BR
    mov dword [bounds], 10
    mov dword [bounds + 4], 20
    mov eax, 21
    TRY 5, "bound eax=21, [10,20]"
    bound eax, [bounds]
    ENDTRY
    mov eax, 20
    TRY 5, "bound eax=20, [10,20]"
    bound eax, [bounds]
    ENDTRY
    mov word [bounds], -5
    mov word [bounds + 2], 5
    mov eax, 0x0000FFFA         ; -6
    TRY 5, "bound ax=-6, [-5,5] (16-bit)"
    bound ax, [bounds]
    ENDTRY

    ; ---- #UD
    TRY 6, "ud2"
    ud2
    ENDTRY
    TRY 6, "lock add eax,ebx (register destination)"
    db 0xF0, 0x01, 0xD8
    ENDTRY
    TRY 6, "lock nop"
    db 0xF0, 0x90
    ENDTRY
    TRY 6, "mov cs,ax (8e c8)"
    db 0x8E, 0xC8
    ENDTRY
    TRY 6, "lds eax,ebx (register operand)"
    db 0xC5, 0xC3
    ENDTRY
    TRY 6, "lock add [m],eax (valid)"
    lock add [mem], eax
    ENDTRY

    ; ---- #NM
    mov eax, cr0
    mov [saved_cr0], eax
    or eax, 0x08                ; TS
    mov cr0, eax
    TRY 7, "fnop with CR0.TS=1"
    fnop
    ENDTRY
    mov eax, [saved_cr0]
    or eax, 0x0A                ; TS MP
    mov cr0, eax
    TRY 7, "wait with CR0.TS=1 MP=1"
    wait
    ENDTRY
    mov eax, [saved_cr0]
    and eax, ~0x02
    or eax, 0x08                ; TS, MP=0
    mov cr0, eax
    TRY 7, "wait with CR0.TS=1 MP=0"
    wait
    ENDTRY
    mov eax, [saved_cr0]
    and eax, ~0x08
    or eax, 0x04                ; EM
    mov cr0, eax
    TRY 7, "fld1 with CR0.EM=1"
    fld1
    ENDTRY
    mov eax, [saved_cr0]
    mov cr0, eax
    clts

    ; ---- #NP, #SS, #GP on segment loads
    mov ax, SEL_NP_DATA
    TRY 11, "mov ds, not-present data"
    mov ds, ax
    ENDTRY
    TRY 12, "mov ss, not-present data"
    mov ss, ax
    ENDTRY
    TRY 11, "jmp far to a not-present code segment"
    jmp SEL_NP_CODE:0
    ENDTRY
    mov ax, SEL_BEYOND
    TRY 13, "mov es, selector past the GDT limit"
    mov es, ax
    ENDTRY
    mov ax, SEL_XO_CODE
    TRY 13, "mov fs, execute-only code"
    mov fs, ax
    ENDTRY
    mov ax, SEL_RO_DATA
    TRY 13, "mov ss, read-only data"
    mov ss, ax
    ENDTRY
    xor eax, eax
    TRY 13, "mov ss, null"
    mov ss, ax
    ENDTRY
    TRY 13, "jmp far to a data segment"
    jmp SEL_DATA0:0
    ENDTRY

    ; ---- gates: software int, not-present gates, past the IDT limit
    TRY 0x41, "int 0x41 (present gate)"
    int 0x41
    ENDTRY
    mov byte [t_idt + 0x42*8 + 5], 0x0E     ; gate 0x42 not present
    TRY 11, "int 0x42 (not-present gate): idt bit, ext=0"
    int 0x42
    ENDTRY
    mov word [small_idtr], 0x43 * 8 - 1
    mov dword [small_idtr + 2], t_idt
    lidt [small_idtr]
    TRY 13, "int 0x50 past the IDT limit"
    int 0x50
    ENDTRY
    lidt [t_idtr]

    ; ---- #DF: #GP whose gate is not present -> #NP, a contributory pair
    mov dword [t_handlers + 8*4], df_handler
    mov byte [t_idt + 13*8 + 5], 0x0E
    mov dword [t_expect_vec], 8
    PUTS "#GP with a not-present #GP gate: "
    mov dword [t_base], .df
    mov dword [t_resume_eip], .df_done
    mov [t_resume_esp], esp
.df:
    xor eax, eax
    mov ss, ax
    call t_nofault
.df_done:
    mov byte [t_idt + 13*8 + 5], 0x8E
    mov dword [t_handlers + 8*4], 0

    ; ---- #TS: iret with NT=1 to a bad back link
    mov dword [t_tss], SEL_BEYOND
    TRY 10, "iret NT=1, back link past the GDT limit"
    pushfd
    or dword [esp], 0x4000
    popfd
    iretd
    ENDTRY
    mov dword [t_tss], SEL_DATA0
    TRY 10, "iret NT=1, back link to a data segment"
    pushfd
    or dword [esp], 0x4000
    popfd
    iretd
    ENDTRY
    mov dword [t_tss], 0

    ; ---- #PF
    call t_paging_on
    mov eax, 0x300000
    mov ebx, 0x300000           ; not present
    call t_pte_set
    TRY 14, "read a not-present page"
    mov eax, [0x300010]
    ENDTRY
    TRY 14, "write a not-present page"
    mov dword [0x300ffc], 1
    ENDTRY
    mov eax, 0x301000
    mov ebx, 0x301000 | T_PTE_P | T_PTE_US  ; read-only
    call t_pte_set
    mov eax, cr0
    or eax, 0x10000             ; WP
    mov cr0, eax
    TRY 14, "write a read-only page, CR0.WP=1"
    mov dword [0x301000], 1
    ENDTRY
    mov eax, cr0
    and eax, ~0x10000
    mov cr0, eax
    call t_paging_off

    ; ---- #MF: unmasked x87 zero divide, CR0.NE=1, reported on the next wait
    mov eax, cr0
    or eax, 0x20                ; NE
    mov cr0, eax
    fninit
    mov word [fcw], 0x037B      ; ZM clear
    fldcw [fcw]
    fld1
    fldz
    fdivp st1, st0
    TRY 16, "fdiv by zero (ZM unmasked), then wait"
    nop
    wait
    ENDTRY
    fnstsw ax
    PUTS "  fsw&00ff="
    and eax, 0xFF
    HEX16 eax
    NL
    fninit
    PUTSL "t-exceptions: done"
    ret

section .data
mem: dd 0
bounds: dd 0, 0
saved_cr0: dd 0
fcw: dw 0
align 4
    dw 0
small_idtr: dw 0
    dd 0
