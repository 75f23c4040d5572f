; t-muldiv.asm: MUL, IMUL (one-, two- and three-operand) and DIV, IDIV (with #DE) over edge values.
;
; MUL/IMUL: printed EFLAGS keep only OF and CF: "The SF, ZF, AF, and PF flags are undefined"
; (SDM Vol. 2, MUL and IMUL, Flags Affected). One-operand forms print EAX and EDX (the upper
; half, in ECX's column); EDX is preset to 0xEEEEEEEE so a 16-bit form that writes too much
; of it shows. DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined" (SDM Vol. 2,
; DIV and IDIV), so no flags are printed; a quotient that does not fit, or a zero divisor,
; raises #DE (printed as "#DE", with EAX/EDX unchanged).
%include "t-lib.inc"
%include "t-ops.inc"

%define M_MUL 0x801             ; OF CF

section .text
%macro MUL1 1                   ; mul/imul r8, r16, r32: EAX (and EDX) results
%1_8:
    OP_BEGIN
    mov edx, 0xEEEEEEEE
    %1 bl
    mov ecx, edx
    OP_END
%1_16:
    OP_BEGIN
    mov edx, 0xEEEEEEEE
    %1 bx
    mov ecx, edx
    OP_END
%1_32:
    OP_BEGIN
    mov edx, 0xEEEEEEEE
    %1 ebx
    mov ecx, edx
    OP_END
%endmacro
MUL1 mul
MUL1 imul
imul2_16:
    OP_BEGIN
    imul ax, bx
    OP_END
imul2_32:
    OP_BEGIN
    imul eax, ebx
    OP_END

; The other encodings.
mul_m32:
    mov [t_mem], ebx
    OP_BEGIN
    mov edx, 0xEEEEEEEE
    mul dword [t_mem]
    mov ecx, edx
    OP_END
imul_m8:
    mov [t_mem], ebx
    OP_BEGIN
    imul byte [t_mem]
    OP_END
imul_r32_m32:
    mov [t_mem], ebx
    OP_BEGIN
    imul eax, [t_mem]
    OP_END
imul_r32_imm8:
    OP_BEGIN
    imul ecx, eax, strict byte -2
    mov eax, ecx
    OP_END
imul_r32_imm32:
    OP_BEGIN
    imul ecx, ebx, strict dword 0x00010001
    mov eax, ecx
    OP_END
imul_r16_imm16:
    OP_BEGIN
    imul ax, bx, strict word 0x8000
    OP_END
imul_r16_m16_imm8:
    mov [t_mem], ebx
    OP_BEGIN
    imul cx, [t_mem], strict byte 3
    mov eax, ecx
    OP_END

; ---- division ---------------------------------------------------------------------------------
; A division case: name, routine, EDX, EAX, divisor (EBX).
%macro DCASE 5
[section .rodata]
%%n: db %1, 0
__SECT__
[section .data]
    dd %%n, %2, %3, %4, %5
__SECT__
%endmacro
%macro DIVR 2                   ; label, instruction: a routine that runs it, #DE resuming at div_de
%1:
    mov dword [div_resume], div_de
    %2
    ret
%endmacro
DIVR div_8, div bl
DIVR div_16, div bx
DIVR div_32, div ebx
DIVR idiv_8, idiv bl
DIVR idiv_16, idiv bx
DIVR idiv_32, idiv ebx
div_m32:
    mov [t_mem], ebx
    mov dword [div_resume], div_de
    div dword [t_mem]
    ret
idiv_m16:
    mov [t_mem], ebx
    mov dword [div_resume], div_de
    idiv word [t_mem]
    ret
div_de:                         ; the #DE handler irets here, on the routine's stack
    mov dword [div_faulted], 1
    ret

; de_handler: a #DE inside a division routine: resume at div_resume.
de_handler:
    mov eax, [div_resume]
    mov [ebp + F_EIP], eax
    xor eax, eax
    ret

run_divs:
    mov dword [t_handlers + 0*4], de_handler
    mov esi, div_cases
.next:
    cmp esi, div_end
    jae .done
    push esi
    mov esi, [esi]
    call t_puts
    pop esi
    PUTS " edx:eax="
    HEX32 [esi + 8]
    PUTS ":"
    HEX32 [esi + 12]
    PUTS " / "
    HEX32 [esi + 16]
    PUTS " -> "
    mov dword [div_faulted], 0
    mov edx, [esi + 8]
    mov eax, [esi + 12]
    mov ebx, [esi + 16]
    push esi
    call [esi + 4]
    pop esi
    cmp dword [div_faulted], 0
    je .ok
    PUTS "#DE "
.ok:
    PUTS "eax="
    HEX32 eax
    PUTS " edx="
    HEX32 edx
    NL
    add esi, 20
    jmp .next
.done:
    mov dword [t_handlers + 0*4], 0
    ret

section .data
matrix_rows:
    MROW "mul8", mul_8, 8, M_MUL, 2
    MROW "mul16", mul_16, 16, M_MUL, 2 | T_PRINT_ECX
    MROW "mul32", mul_32, 32, M_MUL, 2 | T_PRINT_ECX
    MROW "imul8", imul_8, 8, M_MUL, 2
    MROW "imul16", imul_16, 16, M_MUL, 2 | T_PRINT_ECX
    MROW "imul32", imul_32, 32, M_MUL, 2 | T_PRINT_ECX
    MROW "imul16 ax,bx", imul2_16, 16, M_MUL, 2
    MROW "imul32 eax,ebx", imul2_32, 32, M_MUL, 2
matrix_end:
form_rows:
    FROW "mul [m32]", mul_m32, M_MUL | T_FORM_ECX
    FROW "imul [m8]", imul_m8, M_MUL
    FROW "imul eax,[m32]", imul_r32_m32, M_MUL
    FROW "imul ecx,eax,imm8 -2", imul_r32_imm8, M_MUL
    FROW "imul ecx,ebx,imm32 00010001", imul_r32_imm32, M_MUL
    FROW "imul ax,bx,imm16 8000", imul_r16_imm16, M_MUL
    FROW "imul cx,[m16],imm8 3", imul_r16_m16_imm8, M_MUL
form_end:
div_cases:
    DCASE "div8", div_8, 0x5A5A5A5A, 0xA5A50064, 7
    DCASE "div8", div_8, 0x5A5A5A5A, 0xA5A5FE01, 0xFF
    DCASE "div8", div_8, 0x5A5A5A5A, 0xA5A5FF00, 0xFF
    DCASE "div8", div_8, 0x5A5A5A5A, 0xA5A50100, 1
    DCASE "div8", div_8, 0x5A5A5A5A, 0xA5A51234, 0
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A5FF80, 1
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A50080, 1
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A5FF81, 0xFF
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A5FF80, 0xFF
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A5FFF9, 2
    DCASE "idiv8", idiv_8, 0x5A5A5A5A, 0xA5A50007, 0xFE
    DCASE "div16", div_16, 0x5A5A0000, 0xA5A5FFFF, 0x10
    DCASE "div16", div_16, 0x5A5AFFFE, 0xA5A5FFFF, 0xFFFF
    DCASE "div16", div_16, 0x5A5A0001, 0xA5A50000, 1
    DCASE "div16", div_16, 0x5A5A0000, 0xA5A50005, 0
    DCASE "idiv16", idiv_16, 0x5A5AFFFF, 0xA5A58000, 1
    DCASE "idiv16", idiv_16, 0x5A5AFFFF, 0xA5A58000, 0xFFFF
    DCASE "idiv16", idiv_16, 0x5A5A0000, 0xA5A50007, 0xFFFE
    DCASE "idiv16", idiv_16, 0x5A5AFFFF, 0xA5A5FFF9, 2
    DCASE "div32", div_32, 0x00000000, 0xFFFFFFFF, 0x10
    DCASE "div32", div_32, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
    DCASE "div32", div_32, 0x12345678, 0x9ABCDEF0, 0x87654321
    DCASE "div32", div_32, 0x00000001, 0x00000000, 1
    DCASE "div32", div_32, 0x00000000, 0x00000000, 0
    DCASE "idiv32", idiv_32, 0xFFFFFFFF, 0x80000000, 1
    DCASE "idiv32", idiv_32, 0xFFFFFFFF, 0x80000000, 0xFFFFFFFF
    DCASE "idiv32", idiv_32, 0x00000000, 0x00000007, 0xFFFFFFFE
    DCASE "idiv32", idiv_32, 0xFFFFFFFF, 0xFFFFFFF9, 2
    DCASE "idiv32", idiv_32, 0x00000000, 0x80000000, 1
    DCASE "idiv32", idiv_32, 0xFFFFFFFF, 0x00000000, 0x80000000
    DCASE "div [m32]", div_m32, 0x00000003, 0x00000000, 0x00000007
    DCASE "idiv [m16]", idiv_m16, 0x5A5AFFFF, 0xA5A5FFFF, 0x8000
div_end:

t_vals8:  dd 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x6B
t_vals16: dd 0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 0x9C3E
t_vals32: dd 0x00000000, 0x00000001, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x5A17C3E9
T_VALS_COUNT equ 6
t_in_flags: dd 0x000, T_ARITH_FLAGS
T_IN_FLAGS_COUNT equ 2
t_fpairs:
    dd 0x7FFFFFFF, 0x00000002
    dd 0x8000FF80, 0xFFFF807F
    dd 0x00000003, 0x00004000
T_FPAIRS_COUNT equ 3
t_mem: dd 0
div_resume: dd 0
div_faulted: dd 0

section .text
global test_main
test_main:
    PUTSL "t-muldiv: mul/imul (flags OF CF only), div/idiv (no flags; #DE)"
    mov esi, matrix_rows
    mov edi, matrix_end
    call t_matrix
    mov esi, form_rows
    mov edi, form_end
    mov ebx, t_fpairs
    mov ecx, T_FPAIRS_COUNT
    call t_forms
    call run_divs
    PUTSL "t-muldiv: done"
    ret
