; entry.asm: FrobOS interrupt, int 0x80 and sysenter entry stubs, the common trap frame, and the kernel context switch.
%define SEL_KDATA 0x10
%define SEL_UCODE 0x1B
%define SEL_UDATA 0x23

extern trap
extern tss_esp0
global isr_table
global isr_syscall
global sysenter_entry
global trap_return
global swtch

section .text

; Vectors that push an error code (SDM vol. 3 table 6-1): 8, 10-14, 17.
%macro ISR 1
isr_%1:
%if (%1 = 8) || (%1 >= 10 && %1 <= 14) || (%1 = 17)
%else
    push 0
%endif
    push %1
    jmp trap_common
%endmacro

%assign v 0
%rep 48
ISR v
%assign v v + 1
%endrep

isr_syscall:
    push 0
    push 0x80
trap_common:
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push esp
    call trap
    add esp, 4
trap_return:
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8
    iret

; sysenter: CS/SS from MSR 0x174, ESP from MSR 0x175 (a small stack whose top word is
; the current kernel stack), EIP here; IF is clear. ECX = user ESP, EDX = user return EIP.
; Builds the same frame as int 0x80, so the system call code is shared; returns with sysexit.
sysenter_entry:
    mov esp, [tss_esp0]
    push SEL_UDATA
    push ecx
    pushf
    or dword [esp], 0x200               ; the user runs with IF set
    push SEL_UCODE
    push edx
    push 0
    push 0x80
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, SEL_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    push esp
    call trap
    add esp, 4
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8
    mov edx, [esp]                      ; return EIP
    mov ecx, [esp + 12]                 ; user ESP
    sti
    sysexit

; void swtch(uint32_t *save_esp, uint32_t new_esp): saves the callee-saved registers on this
; kernel stack, stores ESP, switches to new_esp and restores the registers saved there.
swtch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

section .rodata
align 4
isr_table:
%assign v 0
%rep 48
    dd isr_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
