; t-privilege.asm: ring 3 and back: iret to an outer level, int 0x80 through a DPL-3 trap gate with the TSS stack switch, call gates, far ret to an outer level, sysenter/sysexit, IOPL and the TSS I/O bitmap.
;
; Ring-3 code reports through `int 0x80` (EAX=1: print ESI's string and EBX, then iret back;
; EAX=0: print the frame and leave ring 3). Stack pointers print relative to their stack tops
; (ring 3: t_stack3_top; ring 0 after a switch: the TSS ESP0, t_stack_tss_top; sysenter: its
; own stack), code addresses relative to a label of the ring-3 code.
%include "t-lib.inc"

%define SEL_GATE3    0x30       ; GDT[6]: 32-bit call gate, DPL 3, -> SEL_CODE0:gate_target, 2 params
%define SEL_GATE0    0x38       ; GDT[7]: the same gate with DPL 0
%define MSR_SYSENTER_CS  0x174
%define MSR_SYSENTER_ESP 0x175
%define MSR_SYSENTER_EIP 0x176

section .text
; RING3 label, eflags, description: a TRY block whose body runs in ring 3 from `label`.
%macro RING3 4                  ; vector, description, ring-3 label, eflags
    TRY %1, %2
    mov dword [t_base], %3
    mov eax, %3
    mov ebx, %4
    jmp t_ring3
    ENDTRY
%endmacro

; print_rel: EAX relative to EBX as "-xxxx" (EAX below EBX) or "+xxxx".
print_rel:
    push eax
    cmp eax, ebx
    jae .above
    neg eax
    add eax, ebx
    PUTS "-"
    jmp .p
.above:
    sub eax, ebx
    PUTS "+"
.p: call t_hex16
    pop eax
    ret

; sys_handler: int 0x80. EAX=1: "  ring3: <ESI string> <EBX>", iret back; EAX=0: the frame, leave ring 3.
sys_handler:
    cmp dword [ebp + F_EAX], 1
    jne .exit
    PUTS "  ring3: "
    mov esi, [ebp + F_ESI]
    call t_puts
    SP
    HEX32 [ebp + F_EBX]
    NL
    xor eax, eax
    ret
.exit:
    PUTS "int 0x80 frame: eip="
    mov eax, [ebp + F_EIP]
    mov ebx, [t_base]
    call print_rel
    PUTS " cs="
    HEX16 [ebp + F_CS]
    PUTS " fl="
    mov eax, [ebp + F_EFLAGS]
    and eax, T_FRAME_FLAGS
    HEX32 eax
    PUTS " ss="
    HEX16 [ebp + F_SS]
    PUTS " esp=top"
    mov eax, [ebp + F_ESP]
    mov ebx, t_stack3_top
    call print_rel
    PUTS " ds="
    HEX16 [ebp + F_DS]
    PUTS " fs="
    HEX16 [ebp + F_FS]
    PUTS " ring0 esp=tss"
    lea eax, [ebp + F_EIP]
    mov ebx, t_stack_tss_top
    call print_rel
    PUTS " ss0="
    mov eax, ss
    HEX16 eax
    NL
    mov eax, 1
    ret

; SYSCALL value, "name": from ring 3, print a value through int 0x80 (EAX=1).
%macro SYSCALL 2
[section .rodata]
%%s: db %2, 0
__SECT__
    mov ebx, %1
    mov esi, %%s
    mov eax, 1
    int 0x80
%endmacro
%macro EXIT3 0
    xor eax, eax
    int 0x80
%endmacro

; ---- ring-3 programs ---------------------------------------------------------------------------
r3_hello:
    mov eax, cs
    and eax, 3
    SYSCALL eax, "cpl"
    mov eax, ss
    SYSCALL eax, "ss"
    push dword 0x12345678       ; one dword on the ring-3 stack, seen in the exit frame
    EXIT3

r3_int_dpl0:
    int 0x81                    ; gate DPL 0 < CPL 3: #GP(0x81*8+2)
r3_int3_dpl0:
    int3                        ; the #BP gate is DPL 0 too: #GP(3*8+2)
r3_cli:
    cli
r3_hlt:
    hlt
r3_mov_cr0:
    mov eax, cr0
r3_lgdt:
    lgdt [t_gdtr]
r3_load_ds0:
    mov ax, SEL_DATA0           ; DPL 0 < CPL 3
    mov ds, ax
r3_far_ring0:
    call SEL_CODE0:0            ; non-conforming DPL-0 code without a gate
r3_gate0:
    call SEL_GATE0:0            ; gate DPL 0 < CPL 3
r3_in_iopl0:
    in al, 0x80                 ; IOPL 0, port 0x80 allowed by the bitmap: fine
    SYSCALL 0x80, "in al,0x80 allowed by the bitmap"
    out 0x80, al
    SYSCALL 0x80, "out 0x80,al allowed by the bitmap"
    in al, 0x81                 ; denied by the bitmap: #GP(0)
r3_in_word:
    in ax, 0x80                 ; needs bits 0x80 and 0x81: #GP(0)
r3_iopl3:
    in al, 0x81                 ; IOPL 3: the bitmap is not consulted
    cli
    sti
    SYSCALL 0, "in al,0x81; cli; sti with IOPL=3: no fault"
    EXIT3
r3_popfd:
    pushfd
    pop ebx
    and ebx, 0x3200
    SYSCALL ebx, "eflags IF|IOPL before"
    push dword 0x3202           ; try to set IF and IOPL=3
    popfd
    pushfd
    pop ebx
    and ebx, 0x3200
    SYSCALL ebx, "eflags IF|IOPL after popfd (unchanged at CPL 3)"
    EXIT3
r3_gate:
    mov ebx, 0xA1
    mov ecx, 0xB2
    push ebx                    ; two parameters for the gate
    push ecx
    call SEL_GATE3:0
.back:
    mov eax, cs
    SYSCALL eax, "cs after the far ret"
    mov eax, esp
    sub eax, t_stack3_top
    SYSCALL eax, "esp - top after retf 8"
    mov eax, fs
    SYSCALL eax, "fs after the far ret (DPL-0 data: nulled)"
    mov eax, ds
    SYSCALL eax, "ds after the far ret (DPL-3 data: kept)"
    EXIT3
r3_sysenter:
    mov ecx, esp
    mov edx, .back
    sysenter
.back:
    mov eax, cs
    SYSCALL eax, "cs after sysexit"
    mov eax, ss
    SYSCALL eax, "ss after sysexit"
    mov eax, esp
    sub eax, t_stack3_top
    SYSCALL eax, "esp - top after sysexit"
    EXIT3

; ---- ring-0 targets ------------------------------------------------------------------------------
; gate_target: reached from r3_gate through the call gate; prints what the switch put on the stack.
gate_target:
    mov ebp, esp                ; [ebp] EIP3, CS3, the two parameters, ESP3, SS3
    PUTS "  gate: cs="
    mov eax, cs
    HEX16 eax
    PUTS " ss="
    mov eax, ss
    HEX16 eax
    PUTS " esp=tss"
    mov eax, ebp
    mov ebx, t_stack_tss_top
    call print_rel
    PUTS " eip3="
    mov eax, [ebp]
    mov ebx, r3_gate
    call print_rel
    PUTS " cs3="
    HEX16 [ebp + 4]
    PUTS " params="
    HEX32 [ebp + 8]
    SP
    HEX32 [ebp + 12]
    PUTS " esp3=top"
    mov eax, [ebp + 16]
    mov ebx, t_stack3_top
    call print_rel
    PUTS " ss3="
    HEX16 [ebp + 20]
    NL
    mov ax, SEL_DATA0           ; a DPL-0 selector in FS: the far ret to ring 3 must null it
    mov fs, ax
    retf 8

sysenter_entry:
    PUTS "  sysenter: cs="
    mov eax, cs
    HEX16 eax
    PUTS " ss="
    mov eax, ss
    HEX16 eax
    PUTS " esp=sysstack"
    mov eax, esp
    mov ebx, sysenter_stack_top
    call print_rel
    PUTS " if="
    pushfd
    pop eax
    shr eax, 9
    and eax, 1
    HEX8 eax
    PUTS " edx=ret"
    mov eax, edx
    mov ebx, r3_sysenter
    call print_rel
    NL
    sysexit

; set_gate: GDT[EAX] = 32-bit call gate to SEL_CODE0:gate_target, 2 parameters, DPL in BL.
set_gate:
    lea edi, [t_gdt + eax*8]
    mov ecx, gate_target
    mov [edi], cx
    mov word [edi + 2], SEL_CODE0
    mov byte [edi + 4], 2
    shl bl, 5
    or bl, 0x8C                 ; present, 32-bit call gate
    mov [edi + 5], bl
    shr ecx, 16
    mov [edi + 6], cx
    ret

global test_main
test_main:
    PUTSL "t-privilege: rings, gates, stack switches, sysenter/sysexit, IOPL and the I/O bitmap"
    mov eax, 0x80
    xor ebx, ebx
    mov ecx, 0xEF               ; trap gate, DPL 3
    xor edx, edx
    call t_idt_set
    mov dword [t_handlers + 0x80*4], sys_handler
    mov eax, 6
    mov bl, 3
    call set_gate
    mov eax, 7
    mov bl, 0
    call set_gate
    and byte [t_iobitmap + 0x80 / 8], ~(1 << (0x80 % 8))   ; allow port 0x80 only

    RING3 0x80, "iret to ring 3, int 0x80 back", r3_hello, 0x002
    RING3 13, "ring 3: int 0x81 through a DPL-0 gate", r3_int_dpl0, 0x002
    RING3 13, "ring 3: int3 through a DPL-0 gate", r3_int3_dpl0, 0x002
    RING3 13, "ring 3: cli with IOPL=0", r3_cli, 0x002
    RING3 13, "ring 3: hlt", r3_hlt, 0x002
    RING3 13, "ring 3: mov eax,cr0", r3_mov_cr0, 0x002
    RING3 13, "ring 3: lgdt", r3_lgdt, 0x002
    RING3 13, "ring 3: mov ds, DPL-0 data", r3_load_ds0, 0x002
    RING3 13, "ring 3: far call to DPL-0 code without a gate", r3_far_ring0, 0x002
    RING3 13, "ring 3: far call through a DPL-0 call gate", r3_gate0, 0x002
    RING3 13, "ring 3: in/out with IOPL=0 and the I/O bitmap", r3_in_iopl0, 0x002
    RING3 13, "ring 3: in ax,0x80 (one of two ports denied)", r3_in_word, 0x002
    RING3 0x80, "ring 3 with IOPL=3", r3_iopl3, 0x3002
    RING3 0x80, "ring 3: popfd cannot change IF or IOPL", r3_popfd, 0x002
    RING3 0x80, "ring 3: far call through a DPL-3 call gate, retf 8 back", r3_gate, 0x002

    ; sysenter/sysexit
    xor edx, edx
    mov ecx, MSR_SYSENTER_CS
    mov eax, SEL_CODE0
    wrmsr
    mov ecx, MSR_SYSENTER_ESP
    mov eax, sysenter_stack_top
    wrmsr
    mov ecx, MSR_SYSENTER_EIP
    mov eax, sysenter_entry
    wrmsr
    RING3 0x80, "ring 3: sysenter, sysexit back", r3_sysenter, 0x202
    PUTSL "t-privilege: done"
    ret

section .bss
T_ALIGNB 16
    resb 1024
sysenter_stack_top:
