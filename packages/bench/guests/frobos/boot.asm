; boot.asm: FrobOS entry: the multiboot header, a boot page directory that maps 0-8 MiB both at 0 and at 0xC0000000, the jump to the high kernel.
%include "multiboot.inc"

%define KERNEL_BASE 0xC0000000

MULTIBOOT_HEADER

extern kmain
global _start
global boot_stack_top

section .boot.text
_start:                                 ; physical; paging off; EAX = magic, EBX = info (physical)
    cld
    mov esi, eax
    ; two page tables map physical 0..8 MiB
    mov edi, boot_pt - KERNEL_BASE
    mov eax, 0x003                      ; present, writable
    mov ecx, 2048
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov edx, boot_pd - KERNEL_BASE
    mov eax, (boot_pt - KERNEL_BASE) + 0x003
    mov [edx + 0 * 4], eax              ; identity, for the jump
    mov [edx + 768 * 4], eax            ; 0xC0000000
    add eax, 0x1000
    mov [edx + 1 * 4], eax
    mov [edx + 769 * 4], eax
    mov cr3, edx
    mov eax, cr0
    or eax, 0x80010000                  ; PG | WP
    mov cr0, eax
    mov eax, high_entry
    jmp eax

section .text
high_entry:
    mov esp, boot_stack_top
    xor ebp, ebp
    push ebx                            ; multiboot info (physical)
    push esi                            ; magic
    call kmain
.halt:
    cli
    hlt
    jmp .halt

section .bss
align 4096
boot_pd: resb 4096
boot_pt: resb 8192
boot_stack: resb 16384
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
