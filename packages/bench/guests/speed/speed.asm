; speed.asm: the speed benchmark guest: runs the fixed-count loops of speed-loops.asm, prints their checksums on COM1, exits through port 0xf4.
; Which loops run and how many iterations each is read from `speed_params`, a block the
; benchmark (pnpm bench:speed) patches in a copy of the image, found by its magic: so every
; peer (x86virt, QEMU, v86) runs the same bytes with no command line. The committed image runs
; every loop 1000 times.
;
; Output: "speed\n" first (the startup probe), then per loop "<name> n=<dec> sum=<hex>\n",
; then "DONE\n"; exit code 0.
%include "multiboot.inc"
%include "pc.inc"

MULTIBOOT_HEADER

extern speed_alu, speed_mem, speed_call, speed_indirect, speed_rep

section .data
align 4
global speed_params
speed_params:
    db "SPEEDPRM"               ; magic the benchmark searches for
    dd 0x1F                     ; mask: bit k = run loop k
    dd 1000, 1000, 1000, 1000, 1000   ; iterations of alu, mem, call, indirect, rep

loop_fns:   dd speed_alu, speed_mem, speed_call, speed_indirect, speed_rep
loop_names: dd n_alu, n_mem, n_call, n_indirect, n_rep

section .rodata
banner:     db "speed", 10, 0
n_alu:      db "alu", 0
n_mem:      db "mem", 0
n_call:     db "call", 0
n_indirect: db "indirect", 0
n_rep:      db "rep", 0
s_n:        db " n=", 0
s_sum:      db " sum=", 0
s_done:     db "DONE", 10, 0
hexdigits:  db "0123456789abcdef"

section .text
global _start
_start:
    mov esp, stack_top
    mov esi, banner
    call puts
    xor ebp, ebp                ; loop index
.each:
    mov eax, [speed_params + 8]
    bt eax, ebp
    jnc .skip
    mov esi, [loop_names + ebp * 4]
    call puts
    mov esi, s_n
    call puts
    mov eax, [speed_params + 12 + ebp * 4]
    call putdec
    push dword [speed_params + 12 + ebp * 4]
    call [loop_fns + ebp * 4]
    add esp, 4
    mov ebx, eax
    mov esi, s_sum
    call puts
    mov eax, ebx
    call puthex
    mov al, 10
    call putc
.skip:
    inc ebp
    cmp ebp, 5
    jb .each
    mov esi, s_done
    call puts
    mov dx, EXIT_PORT
    xor eax, eax
    out dx, eax
.halt:                          ; peers without the exit port (v86) stop on "DONE"
    cli
    hlt
    jmp .halt

; puts: the NUL-terminated string at ESI. Clobbers EAX, EDX, ESI.
puts:
    lodsb
    test al, al
    jz .end
    call putc
    jmp puts
.end:
    ret

; putdec: EAX in decimal. Clobbers EAX, ECX, EDX, EDI.
putdec:
    mov edi, decbuf + 11
    mov byte [edi], 0
    mov ecx, 10
.digit:
    xor edx, edx
    div ecx
    add dl, '0'
    dec edi
    mov [edi], dl
    test eax, eax
    jnz .digit
    mov esi, edi
    jmp puts

; puthex: EAX as 8 hex digits. Clobbers EAX, ECX, EDX, EDI.
puthex:
    mov edi, eax
    mov ecx, 8
.nibble:
    rol edi, 4
    mov eax, edi
    and eax, 15
    mov al, [hexdigits + eax]
    call putc
    dec ecx
    jnz .nibble
    ret

putc:
    SERIAL_PUTC_BODY
    ret

section .bss
decbuf: resb 12
align 16, resb 1
    resb 4096
stack_top:
