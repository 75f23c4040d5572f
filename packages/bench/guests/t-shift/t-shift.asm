; t-shift.asm: shifts and rotates (shl shr sar rol ror rcl rcr) at 8/16/32 bits over edge values and every count class.
;
; Matrix: the CL form over counts 0 1 2 7 8 9 16 17 31 32 33 (the count is masked to 5 bits).
; Printed EFLAGS follow SDM Vol. 2 (SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR, Flags Affected):
;   masked count 0: no flag is affected      -> OF SF ZF AF PF CF printed (input preserved)
;   shifts, count 1: AF undefined             -> OF SF ZF PF CF
;   shifts, count > 1: OF and AF undefined    -> SF ZF PF CF
;   SHL/SHR, count >= operand size: CF undefined too ("it is undefined for SHL and SHR
;     instructions where the count is greater than or equal to the size") -> SF ZF PF
;   rotates, count 1: only CF and OF change   -> OF SF ZF AF PF CF
;   rotates, count > 1: OF undefined          -> SF ZF AF PF CF (SF ZF AF PF preserved)
; Forms: the by-1 (D0/D1) and imm8 (C0/C1) encodings, memory and 16-bit operands.
%include "t-lib.inc"
%include "t-ops.inc"

%define K_SHIFT  0              ; shl, shr
%define K_SAR    1
%define K_ROTATE 2              ; rol, ror, rcl, rcr

section .text
; shift_mask: t_op_mask for kind EDX, operand size ECX (bits), count EBX.
shift_mask:
    push eax
    call .set
    pop eax
    ret
.set:
    mov eax, ebx
    and eax, 0x1F
    jz .all                     ; masked count 0: nothing affected
    cmp edx, K_ROTATE
    je .rot
    cmp eax, 1
    je .one
    cmp edx, K_SHIFT
    jne .many
    cmp eax, ecx
    jae .cfundef
.many:
    mov dword [t_op_mask], 0x0C5
    ret
.cfundef:
    mov dword [t_op_mask], 0x0C4
    ret
.one:
    mov dword [t_op_mask], 0x8C5
    ret
.rot:
    cmp eax, 1
    je .all
    mov dword [t_op_mask], 0x0D5
    ret
.all:
    mov dword [t_op_mask], T_ARITH_FLAGS
    ret

%macro SHIFTOP 2                ; op, kind
%1_8:
    push edx
    mov ecx, 8
    mov edx, %2
    call shift_mask
    pop edx
    mov ecx, ebx
    OP_BEGIN
    %1 al, cl
    OP_END
%1_16:
    push edx
    mov ecx, 16
    mov edx, %2
    call shift_mask
    pop edx
    mov ecx, ebx
    OP_BEGIN
    %1 ax, cl
    OP_END
%1_32:
    push edx
    mov ecx, 32
    mov edx, %2
    call shift_mask
    pop edx
    mov ecx, ebx
    OP_BEGIN
    %1 eax, cl
    OP_END
; forms
%1_by1_32:
    OP_BEGIN
    %1 eax, 1
    OP_END
%1_by1_m8:
    mov [t_mem], eax
    OP_BEGIN
    %1 byte [t_mem], 1
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%1_imm_32:
    OP_BEGIN
    %1 eax, 3
    OP_END
%1_imm_m16:
    mov [t_mem], eax
    OP_BEGIN
    %1 word [t_mem], 17
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%1_cl_m32:
    mov [t_mem], eax
    mov ecx, ebx
    OP_BEGIN
    %1 dword [t_mem], cl
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%1_imm_ah:
    OP_BEGIN
    %1 ah, 2
    OP_END
%endmacro
SHIFTOP shl, K_SHIFT
SHIFTOP shr, K_SHIFT
SHIFTOP sar, K_SAR
SHIFTOP rol, K_ROTATE
SHIFTOP ror, K_ROTATE
SHIFTOP rcl, K_ROTATE
SHIFTOP rcr, K_ROTATE

; t_op_mask for the CL-count memory form: set from the pair's B before running it.
%macro CLFORM 2
%1_cl_m32_masked:
    push edx
    mov ecx, 32
    mov edx, %2
    call shift_mask
    pop edx
    jmp %1_cl_m32
%endmacro
CLFORM shl, K_SHIFT
CLFORM shr, K_SHIFT
CLFORM sar, K_SAR
CLFORM rol, K_ROTATE
CLFORM ror, K_ROTATE
CLFORM rcl, K_ROTATE
CLFORM rcr, K_ROTATE

section .data
matrix_rows:
%macro MATRIX 1
    MROW %str(%1 %+ 8), %1_8, 8, 0, 2
    MROW %str(%1 %+ 16), %1_16, 16, 0, 2
    MROW %str(%1 %+ 32), %1_32, 32, 0, 2
%endmacro
    MATRIX shl
    MATRIX shr
    MATRIX sar
    MATRIX rol
    MATRIX ror
    MATRIX rcl
    MATRIX rcr
matrix_end:

form_rows:
%macro FORMROWS 3               ; op, mask for count 1, mask for count 3/17
    FROW %str(%1 eax,1), %1_by1_32, %2
    FROW %str(%1 [m8],1), %1_by1_m8, %2
    FROW %str(%1 eax,imm8 3), %1_imm_32, %3
    FROW %str(%1 [m16],imm8 17), %1_imm_m16, %3
    FROW %str(%1 ah,imm8 2), %1_imm_ah, %3
%endmacro
    FORMROWS shl, 0x8C5, 0x0C4  ; count 17 >= 16: CF undefined for SHL/SHR
    FORMROWS shr, 0x8C5, 0x0C4
    FORMROWS sar, 0x8C5, 0x0C5
    FORMROWS rol, T_ARITH_FLAGS, 0x0D5
    FORMROWS ror, T_ARITH_FLAGS, 0x0D5
    FORMROWS rcl, T_ARITH_FLAGS, 0x0D5
    FORMROWS rcr, T_ARITH_FLAGS, 0x0D5
form_end:
; The CL memory form over pairs whose B is a count of 1 (see t_fpairs).
cl_rows:
    FROW "shl [m32],cl", shl_cl_m32, 0x8C5
    FROW "shr [m32],cl", shr_cl_m32, 0x8C5
    FROW "sar [m32],cl", sar_cl_m32, 0x8C5
    FROW "rol [m32],cl", rol_cl_m32, T_ARITH_FLAGS
    FROW "ror [m32],cl", ror_cl_m32, T_ARITH_FLAGS
    FROW "rcl [m32],cl", rcl_cl_m32, T_ARITH_FLAGS
    FROW "rcr [m32],cl", rcr_cl_m32, T_ARITH_FLAGS
cl_end:

t_vals8:  dd 0x81, 0x40, 0xFF, 0x6B
t_vals16: dd 0x8001, 0x4000, 0xFFFF, 0x9C3E
t_vals32: dd 0x80000001, 0x40000000, 0xFFFFFFFF, 0x5A17C3E9
T_VALS_COUNT equ 4
counts: dd 0, 1, 2, 7, 8, 9, 16, 17, 31, 32, 33
COUNTS equ ($ - counts) / 4
t_in_flags: dd 0x000, T_ARITH_FLAGS
T_IN_FLAGS_COUNT equ 2
t_fpairs:
    dd 0x80000001, 0x00000021   ; count 33: masked to 1
    dd 0x4000C000, 0x00000001
    dd 0x5A17C3E9, 0x000000E1   ; count 0xE1: masked to 1
T_FPAIRS_COUNT equ 3
t_mem: dd 0

section .text
global test_main
test_main:
    PUTSL "t-shift: shifts and rotates; flags the SDM leaves undefined are masked"
    mov dword [t_bvals_ptr], counts
    mov dword [t_bvals_count], COUNTS
    mov esi, matrix_rows
    mov edi, matrix_end
    call t_matrix
    mov esi, form_rows
    mov edi, form_end
    mov ebx, t_fpairs
    mov ecx, T_FPAIRS_COUNT
    call t_forms
    mov esi, cl_rows
    mov edi, cl_end
    mov ebx, t_fpairs
    mov ecx, T_FPAIRS_COUNT
    call t_forms
    PUTSL "t-shift: done"
    ret
