; hello.asm: the smallest built-in guest: prints "hello" on COM1, then exits through port 0xf4.
%include "multiboot.inc"
%include "pc.inc"

MULTIBOOT_HEADER

section .text
global _start
_start:
    mov esp, stack_top
    mov esi, message
.next:
    lodsb
    test al, al
    jz .done
    call serial_putc
    jmp .next
.done:
    mov dx, EXIT_PORT
    xor eax, eax                ; exit code 0
    out dx, eax
.halt:                          ; not reached when the exit port is present
    cli
    hlt
    jmp .halt

serial_putc:
    SERIAL_PUTC_BODY
    ret

section .rodata
message: db "hello", 10, 0

section .bss
align 16
    resb 4096
stack_top:
