; t-alu.asm: flags and results of the integer ALU ops (add adc sub sbb and or xor cmp test inc dec neg not) over edge values.
;
; Matrix: every op at 8, 16 and 32 bits in its register form, over every pair of edge
; operands, with the arithmetic flags all clear and all set on input. Forms: every encoding
; (accumulator short form, r/m imm, sign-extended imm8, r/m reg, reg r/m, memory, high-byte
; registers, 16-bit) on a few operand pairs. Printed EFLAGS are masked to OF SF ZF AF PF CF;
; after AND/OR/XOR/TEST also without AF, which the SDM leaves undefined ("The OF and CF flags
; are cleared; the SF, ZF, and PF flags are set according to the result. The state of the AF
; flag is undefined." - SDM Vol. 2, AND/OR/XOR/TEST, Flags Affected). NOT affects no flag, INC
; and DEC leave CF: the input flags show it.
%include "t-lib.inc"
%include "t-ops.inc"

%define M_ALL   T_ARITH_FLAGS   ; 0x8D5: every arithmetic flag is defined
%define M_LOGIC 0x8C5           ; AF undefined after AND OR XOR TEST

; ---- register-form routines: <op>_<size> ------------------------------------------------------
%macro BIN 1
%1_8:
    OP_BEGIN
    %1 al, bl
    OP_END
%1_16:
    OP_BEGIN
    %1 ax, bx
    OP_END
%1_32:
    OP_BEGIN
    %1 eax, ebx
    OP_END
%endmacro
%macro UN 1
%1_8:
    OP_BEGIN
    %1 al
    OP_END
%1_16:
    OP_BEGIN
    %1 ax
    OP_END
%1_32:
    OP_BEGIN
    %1 eax
    OP_END
%endmacro

; ---- the other encodings: <op>_f<n> -----------------------------------------------------------
%macro FORMS 1
%1_f1:                          ; eax, imm32 (accumulator short form)
    OP_BEGIN
    %1 eax, strict dword 0x80000001
    OP_END
%1_f2:                          ; r/m32, imm32
    mov ecx, eax
    OP_BEGIN
    %1 ecx, strict dword 0x00000100
    pushfd
    mov eax, ecx
    popfd
    OP_END
%1_f3:                          ; r/m32, imm8 sign-extended
    mov ecx, eax
    OP_BEGIN
    %1 ecx, strict byte -128
    pushfd
    mov eax, ecx
    popfd
    OP_END
%1_f4:                          ; al, imm8 (accumulator short form)
    OP_BEGIN
    %1 al, 0x80
    OP_END
%1_f5:                          ; r/m8, imm8
    mov ecx, eax
    OP_BEGIN
    %1 cl, 0x81
    pushfd
    mov eax, ecx
    popfd
    OP_END
%1_f6:                          ; ax, imm16 (accumulator short form)
    OP_BEGIN
    %1 ax, strict word 0x8001
    OP_END
%1_f7:                          ; r/m16, imm8 sign-extended
    mov ecx, eax
    OP_BEGIN
    %1 cx, strict byte -1
    pushfd
    mov eax, ecx
    popfd
    OP_END
%1_f8:                          ; [m32], r32
    mov [t_mem], eax
    OP_BEGIN
    %1 [t_mem], ebx
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%1_f9:                          ; r32, [m32]
    mov [t_mem], ebx
    OP_BEGIN
    %1 eax, [t_mem]
    OP_END
%1_f10:                         ; high-byte registers: ah, bh
    OP_BEGIN
    %1 ah, bh
    OP_END
%1_f11:                         ; [m16], r16
    mov [t_mem], eax
    OP_BEGIN
    %1 [t_mem], bx
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%1_f12:                         ; r8, [m8]
    mov [t_mem], ebx
    OP_BEGIN
    %1 al, [t_mem]
    OP_END
%endmacro

section .text
BIN add
BIN adc
BIN sub
BIN sbb
BIN and
BIN or
BIN xor
BIN cmp
BIN test
UN inc
UN dec
UN neg
UN not
FORMS add
FORMS adc
FORMS sub
FORMS sbb
FORMS and
FORMS or
FORMS xor
FORMS cmp

; TEST has no sign-extended imm8 form and no reg, r/m direction.
test_f1:
    OP_BEGIN
    test eax, strict dword 0x80000001
    OP_END
test_f2:
    mov ecx, eax
    OP_BEGIN
    test ecx, strict dword 0x00000100
    OP_END
test_f4:
    OP_BEGIN
    test al, 0x80
    OP_END
test_f5:
    mov ecx, eax
    OP_BEGIN
    test cl, 0x81
    OP_END
test_f6:
    OP_BEGIN
    test ax, strict word 0x8001
    OP_END
test_f8:
    mov [t_mem], eax
    OP_BEGIN
    test [t_mem], ebx
    OP_END
test_f10:
    OP_BEGIN
    test ah, bh
    OP_END

; INC/DEC: the one-byte 32-bit and 16-bit forms (40+r, 48+r) and the memory forms.
inc_f1:
    mov ecx, eax
    OP_BEGIN
    inc ecx
    pushfd
    mov eax, ecx
    popfd
    OP_END
inc_f2:
    mov [t_mem], eax
    OP_BEGIN
    inc dword [t_mem]
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
inc_f3:
    OP_BEGIN
    inc ah
    OP_END
inc_f4:
    OP_BEGIN
    inc cx
    pushfd
    mov eax, ecx
    popfd
    OP_END
dec_f1:
    mov ecx, eax
    OP_BEGIN
    dec ecx
    pushfd
    mov eax, ecx
    popfd
    OP_END
dec_f2:
    mov [t_mem], eax
    OP_BEGIN
    dec word [t_mem]
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
dec_f3:
    OP_BEGIN
    dec bh
    pushfd
    mov eax, ebx
    popfd
    OP_END
neg_f1:
    mov [t_mem], eax
    OP_BEGIN
    neg byte [t_mem]
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
neg_f2:
    OP_BEGIN
    neg ah
    OP_END
not_f1:
    mov [t_mem], eax
    OP_BEGIN
    not dword [t_mem]
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
not_f2:
    OP_BEGIN
    not bh
    pushfd
    mov eax, ebx
    popfd
    OP_END

; ---- tables -------------------------------------------------------------------------------------
section .data
matrix_rows:
%macro MATRIX 2                 ; op, mask
    MROW %str(%1 %+ 8), %1_8, 8, %2, 2
    MROW %str(%1 %+ 16), %1_16, 16, %2, 2
    MROW %str(%1 %+ 32), %1_32, 32, %2, 2
%endmacro
%macro MATRIX1 2
    MROW %str(%1 %+ 8), %1_8, 8, %2, 1
    MROW %str(%1 %+ 16), %1_16, 16, %2, 1
    MROW %str(%1 %+ 32), %1_32, 32, %2, 1
%endmacro
    MATRIX add, M_ALL
    MATRIX adc, M_ALL
    MATRIX sub, M_ALL
    MATRIX sbb, M_ALL
    MATRIX and, M_LOGIC
    MATRIX or, M_LOGIC
    MATRIX xor, M_LOGIC
    MATRIX cmp, M_ALL
    MATRIX test, M_LOGIC
    MATRIX1 inc, M_ALL
    MATRIX1 dec, M_ALL
    MATRIX1 neg, M_ALL
    MATRIX1 not, M_ALL
matrix_end:

form_rows:
%macro FORMROWS 2
    FROW %str(%1 eax,imm32 80000001), %1_f1, %2
    FROW %str(%1 ecx,imm32 00000100), %1_f2, %2
    FROW %str(%1 ecx,imm8 -128), %1_f3, %2
    FROW %str(%1 al,imm8 80), %1_f4, %2
    FROW %str(%1 cl,imm8 81), %1_f5, %2
    FROW %str(%1 ax,imm16 8001), %1_f6, %2
    FROW %str(%1 cx,imm8 -1), %1_f7, %2
    FROW %str(%1 [m32],ebx), %1_f8, %2
    FROW %str(%1 eax,[m32]), %1_f9, %2
    FROW %str(%1 ah,bh), %1_f10, %2
    FROW %str(%1 [m16],bx), %1_f11, %2
    FROW %str(%1 al,[m8]), %1_f12, %2
%endmacro
    FORMROWS add, M_ALL
    FORMROWS adc, M_ALL
    FORMROWS sub, M_ALL
    FORMROWS sbb, M_ALL
    FORMROWS and, M_LOGIC
    FORMROWS or, M_LOGIC
    FORMROWS xor, M_LOGIC
    FORMROWS cmp, M_ALL
    FROW "test eax,imm32 80000001", test_f1, M_LOGIC
    FROW "test ecx,imm32 00000100", test_f2, M_LOGIC
    FROW "test al,imm8 80", test_f4, M_LOGIC
    FROW "test cl,imm8 81", test_f5, M_LOGIC
    FROW "test ax,imm16 8001", test_f6, M_LOGIC
    FROW "test [m32],ebx", test_f8, M_LOGIC
    FROW "test ah,bh", test_f10, M_LOGIC
    FROW "inc ecx", inc_f1, M_ALL
    FROW "inc [m32]", inc_f2, M_ALL
    FROW "inc ah", inc_f3, M_ALL
    FROW "inc cx", inc_f4, M_ALL
    FROW "dec ecx", dec_f1, M_ALL
    FROW "dec [m16]", dec_f2, M_ALL
    FROW "dec bh", dec_f3, M_ALL
    FROW "neg [m8]", neg_f1, M_ALL
    FROW "neg ah", neg_f2, M_ALL
    FROW "not [m32]", not_f1, M_ALL
    FROW "not bh", not_f2, M_ALL
form_end:

t_vals8:  dd 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x6B
t_vals16: dd 0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 0x9C3E
t_vals32: dd 0x00000000, 0x00000001, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x5A17C3E9
T_VALS_COUNT equ 6
t_in_flags: dd 0x000, T_ARITH_FLAGS
T_IN_FLAGS_COUNT equ 2
t_fpairs:
    dd 0x7FFFFFFF, 0x00000001
    dd 0x8000FF80, 0xFFFF807F
    dd 0x00000000, 0x00000000
T_FPAIRS_COUNT equ 3
t_mem: dd 0

section .text
global test_main
test_main:
    PUTSL "t-alu: integer ALU ops, flags masked to OF SF ZF AF PF CF (AF dropped after logic ops)"
    mov esi, matrix_rows
    mov edi, matrix_end
    call t_matrix
    mov esi, form_rows
    mov edi, form_end
    mov ebx, t_fpairs
    mov ecx, T_FPAIRS_COUNT
    call t_forms
    PUTSL "t-alu: done"
    ret
