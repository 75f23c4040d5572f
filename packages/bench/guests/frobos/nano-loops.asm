; nano-loops.asm: FrobOS kernel-mode nanobenchmark loops; each returns the rdtsc cycles of n iterations in EDX:EAX.
; Every loop has the shape  .l: <operation>; dec ecx; jnz .l  so nano_empty(n) is its calibration.
; Faulting operations list (fault EIP, resume EIP) in .extable; the trap handler resumes there.

%define SCRATCH_ABSENT 0xF0000000
%define SCRATCH_PTEMOD 0xF0001000

global nano_empty, nano_in, nano_callret, nano_cr8wr, nano_pgfault, nano_divzero, nano_ptemod

section .text

%macro PROLOGUE 0
    push ebx
    push esi
    push edi
    push ebp
    mov ecx, [esp + 20]                 ; n
%endmacro

%macro START_CLOCK 0
    push ecx
    rdtsc
    mov esi, eax
    mov edi, edx
    pop ecx
%endmacro

%macro STOP_CLOCK_AND_RETURN 0
    rdtsc
    sub eax, esi
    sbb edx, edi
    pop ebp
    pop edi
    pop esi
    pop ebx
    ret
%endmacro

nano_empty:
    PROLOGUE
    START_CLOCK
align 16
.l: dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN

nano_in:                                ; in al, 0x80 (the POST port)
    PROLOGUE
    START_CLOCK
align 16
.l: in al, 0x80
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN

nano_callret:                           ; call a subroutine that returns at once
    PROLOGUE
    START_CLOCK
align 16
.l: call .f
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN
.f: ret

nano_cr8wr:                             ; mov cr8, eax (TPR = 0) as LOCK MOV CR0 (AMD AltMovCr8)
    PROLOGUE
    xor ebx, ebx
    START_CLOCK
align 16
.l: mov eax, ebx
    db 0xF0, 0x0F, 0x22, 0xC0           ; lock mov cr0, eax = mov cr8, eax
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN

nano_pgfault:                           ; read of a not-present page; the #PF handler resumes after it
    PROLOGUE
    START_CLOCK
align 16
.l:
.fault:
    mov eax, [SCRATCH_ABSENT]
.resume:
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN
section .extable
    dd nano_pgfault.fault, nano_pgfault.resume
section .text

nano_divzero:                           ; div by zero; the #DE handler resumes after it
    PROLOGUE
    xor ebx, ebx
    START_CLOCK
align 16
.l: xor edx, edx
    mov eax, 1
.fault:
    div ebx
.resume:
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN
section .extable
    dd nano_divzero.fault, nano_divzero.resume
section .text

; nano_ptemod(n, pte_address): rewrite the PTE of SCRATCH_PTEMOD with its own value, then
; do what the kernel does after changing a mapping: invlpg, and touch the page.
nano_ptemod:
    PROLOGUE
    mov ebx, [esp + 24]                 ; the PTE's virtual address
    mov ebp, [ebx]                      ; its value (written back unchanged)
    START_CLOCK
align 16
.l: mov [ebx], ebp
    invlpg [SCRATCH_PTEMOD]
    mov eax, [SCRATCH_PTEMOD]
    dec ecx
    jnz .l
    STOP_CLOCK_AND_RETURN

section .note.GNU-stack noalloc noexec nowrite progbits
