; mbinfo-probe.asm: a multiboot guest that prints, on COM1, what its boot loader handed it:
; EAX, EBX, the 22 words of the info structure, the mmap words, the command line, the boot
; loader name, the module list words, module 1's string, and CS DS SS EFLAGS CR0 ESP.
; Built and run under QEMU by qemu-multiboot-golden.mjs; no include files, so it stands alone.
%define EXIT_PORT 0xF4
section .multiboot
align 4
    dd 0x1BADB002
    dd 0x00000003
    dd -(0x1BADB002 + 0x00000003)
section .text
global _start
_start:
    mov [saved_esp], esp
    mov esp, stack_top
    mov [saved_eax], eax
    mov [saved_ebx], ebx
    mov eax, [saved_eax]
    call hex32
    call nl
    mov eax, [saved_ebx]
    call hex32
    call nl
    ; dump 0x58 bytes of info as dwords
    mov esi, [saved_ebx]
    mov ecx, 22
.l1:
    lodsd
    call hex32
    call sp_
    loop .l1
    call nl
    ; mmap
    mov ebx, [saved_ebx]
    mov esi, [ebx+48]
    mov ecx, [ebx+44]
    shr ecx, 2
.l2:
    lodsd
    call hex32
    call sp_
    loop .l2
    call nl
    ; cmdline
    mov ebx, [saved_ebx]
    mov esi, [ebx+16]
.l3: lodsb
    test al, al
    jz .d3
    call putc
    jmp .l3
.d3: call nl
    ; bootloader name
    mov ebx, [saved_ebx]
    mov esi, [ebx+64]
.l4: lodsb
    test al, al
    jz .d4
    call putc
    jmp .l4
.d4: call nl
    ; mods: count at +20, addr +24; dump 4 dwords per mod
    mov ebx, [saved_ebx]
    mov ecx, [ebx+20]
    shl ecx, 2
    mov esi, [ebx+24]
    test ecx, ecx
    jz .d5
.l5: lodsd
    call hex32
    call sp_
    loop .l5
.d5: call nl
    ; first mod string
    mov ebx, [saved_ebx]
    cmp dword [ebx+20], 0
    je .d6
    mov esi, [ebx+24]
    mov esi, [esi+8]
.l6: lodsb
    test al, al
    jz .d6
    call putc
    jmp .l6
.d6: call nl
    ; segment regs & eflags & cr0
    mov eax, cs
    call hex32
    call sp_
    mov eax, ds
    call hex32
    call sp_
    mov eax, ss
    call hex32
    call sp_
    pushfd
    pop eax
    call hex32
    call sp_
    mov eax, cr0
    call hex32
    call sp_
    mov eax, [saved_esp]
    call hex32
    call nl
    mov dx, EXIT_PORT
    xor eax, eax
    out dx, eax
.h: hlt
    jmp .h
sp_: push eax
    mov al, ' '
    call putc
    pop eax
    ret
nl: push eax
    mov al, 10
    call putc
    pop eax
    ret
hex32: push ecx
    push eax
    mov ecx, 8
.h1: rol eax, 4
    push eax
    and al, 15
    add al, '0'
    cmp al, '9'
    jbe .h2
    add al, 7
.h2: call putc
    pop eax
    loop .h1
    pop eax
    pop ecx
    ret
putc:
    push eax
    mov dx, 0x3FD
.w: in al, dx
    test al, 0x20
    jz .w
    pop eax
    mov dx, 0x3F8
    out dx, al
    ret
section .bss
saved_eax: resd 1
saved_ebx: resd 1
saved_esp: resd 1
alignb 16
    resb 4096
stack_top:
