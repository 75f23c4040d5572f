; speed-loops.asm: the speed benchmark's fixed-count loops, shared by the speed guest and the host build (pnpm bench:speed).
; Each loop is a cdecl function `uint32_t speed_<name>(uint32_t n)`: n iterations, every
; iteration the same number of instructions whichever way its branches go, so a run retires
; exactly a + b*n instructions. It returns a checksum of what it computed. Plain i686 user
; code: no privileged instruction, nothing the host's 32-bit Linux process could not run.

%define BUF_BYTES 65536

section .text

; ALU with data-dependent branches: xorshift32, then a branch on the low bit. 15 instructions per iteration.
global speed_alu
speed_alu:
    push ebx
    mov ecx, [esp + 8]
    mov eax, 2463534242
    xor ebx, ebx
    test ecx, ecx
    jz .out
.loop:
    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
    test al, 1
    jz .even
    add ebx, eax
    jmp .next
.even:
    sub ebx, eax
    xor ebx, ecx
.next:
    dec ecx
    jnz .loop
.out:
    mov eax, ebx
    pop ebx
    ret

; Loads and stores over 64 KiB: a dword index walking the buffer with an odd stride. 12 instructions per iteration.
global speed_mem
speed_mem:
    push ebx
    push esi
    push edi
    mov ecx, [esp + 16]
    mov esi, speed_buf
    xor edi, edi
    mov eax, 1
    test ecx, ecx
    jz .out
.loop:
    mov edx, [esi + edi * 4]
    add edx, eax
    mov [esi + edi * 4], edx
    ror eax, 3
    add eax, edx
    movzx ebx, byte [esi + edi]
    lea eax, [eax + ebx * 8 + 0x3F1]
    mov [esi + edi * 2 + 2], ax
    add edi, 4099
    and edi, BUF_BYTES / 4 - 1
    dec ecx
    jnz .loop
.out:
    pop edi
    pop esi
    pop ebx
    ret

; Calls and returns, two deep, with a push/pop around them. 10 instructions per iteration.
global speed_call
speed_call:
    push ebx
    mov ecx, [esp + 8]
    xor eax, eax
    xor ebx, ebx
    test ecx, ecx
    jz .out
.loop:
    push ecx
    call .f1
    pop ecx
    dec ecx
    jnz .loop
.out:
    mov eax, ebx
    pop ebx
    ret
.f1:
    call .f2
    add ebx, eax
    ret
.f2:
    lea eax, [eax + ecx * 2 + 1]
    ret

; Indirect jumps through a table of eight targets, chosen by the data. 9 instructions per iteration.
global speed_indirect
speed_indirect:
    mov ecx, [esp + 4]
    mov eax, 12345
    test ecx, ecx
    jz .out
.loop:
    mov edx, eax
    and edx, 7
    jmp [speed_table + edx * 4]
.t0: add eax, 0x9E3779B9
    jmp .next
.t1: xor eax, 0x5BD1E995
    jmp .next
.t2: sub eax, 0x27D4EB2D
    jmp .next
.t3: add eax, eax
    jmp .next
.t4: not eax
    jmp .next
.t5: xor eax, 0x85EBCA6B
    jmp .next
.t6: add eax, 0x165667B1
    jmp .next
.t7: neg eax
    jmp .next
.next:
    rol eax, 5
    add eax, ecx
    dec ecx
    jnz .loop
.out:
    ret

; `rep movsd` of 1 KiB within the 64 KiB buffer, the copy moving along it. 9 instructions per iteration.
global speed_rep
speed_rep:
    push ebx
    push esi
    push edi
    mov ebx, [esp + 16]
    xor edx, edx
    test ebx, ebx
    jz .out
.loop:
    lea esi, [speed_buf + edx]
    lea edi, [speed_buf + 32768 + edx]
    mov ecx, 256
    cld
    rep movsd
    add edx, 1024
    and edx, 32767
    dec ebx
    jnz .loop
.out:
    mov eax, [speed_buf + 32768]
    add eax, [speed_buf + 65532]
    pop edi
    pop esi
    pop ebx
    ret

section .data
align 4
speed_table:
    dd speed_indirect.t0, speed_indirect.t1, speed_indirect.t2, speed_indirect.t3
    dd speed_indirect.t4, speed_indirect.t5, speed_indirect.t6, speed_indirect.t7

section .bss
align 4096, resb 1
global speed_buf
speed_buf:
    resb BUF_BYTES
