; t-bits.asm: bit tests and scans, double shifts, bswap, setcc/cmovcc/jcc, xadd, cmpxchg, cmpxchg8b.
;
; Printed EFLAGS drop what SDM Vol. 2 leaves undefined (Flags Affected of each):
;   BT BTS BTR BTC: "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined." -> ZF CF
;   BSF BSR: "The CF, OF, SF, AF, and PF flags are undefined" -> ZF; with a zero source "the
;     content of the destination operand is undefined": printed as dddddddd
;   SHLD SHRD: count 0 affects no flag; count 1: AF undefined; count > 1: OF and AF undefined;
;     "If the count is greater than the operand size, the result is undefined" (16-bit forms,
;     counts 17..31): result printed as dddddddd, no flag printed
;   BSWAP SETcc CMOVcc: no flag affected; XADD as ADD; CMPXCHG as CMP; CMPXCHG8B: ZF only
;     ("The CF, PF, AF, SF, and OF flags are unaffected").
%include "t-lib.inc"
%include "t-ops.inc"

%define UNDEF 0xDDDDDDDD

section .text
; ---- bt family: register forms, bit offset B ---------------------------------------------------
%macro BTOP 1
%1_16:
    OP_BEGIN
    %1 ax, bx
    OP_END
%1_32:
    OP_BEGIN
    %1 eax, ebx
    OP_END
%1_imm:
    OP_BEGIN
    %1 eax, 35                  ; imm8 taken modulo 32
    OP_END
%endmacro
BTOP bt
BTOP bts
BTOP btr
BTOP btc

; ---- bsf / bsr --------------------------------------------------------------------------------
%macro SCAN 1
%1_16:
    OP_BEGIN
    %1 ax, bx
    jnz .def
    mov eax, UNDEF
.def:
    OP_END
%1_32:
    OP_BEGIN
    %1 eax, ebx
    jnz .def
    mov eax, UNDEF
.def:
    OP_END
%endmacro
SCAN bsf
SCAN bsr

; ---- shld / shrd: A destination, B count, fixed source -----------------------------------------
; dshift_mask: t_op_mask for count EBX at operand size ECX; CF=1 when the result is undefined.
dshift_mask:
    push eax
    mov eax, ebx
    and eax, 0x1F
    mov dword [t_op_mask], T_ARITH_FLAGS
    jz .done
    mov dword [t_op_mask], 0x8C5
    cmp eax, 1
    je .done
    mov dword [t_op_mask], 0x0C5
    cmp eax, ecx
    jbe .done
    mov dword [t_op_mask], 0
    pop eax
    stc
    ret
.done:
    pop eax
    clc
    ret
%macro DSHIFT 1
%1_16:
    push ecx
    mov ecx, 16
    call dshift_mask
    pop ecx
    setc [dshift_undef]
    mov ecx, ebx
    mov ebx, 0xC3E9
    OP_BEGIN
    %1 ax, bx, cl
    jmp dshift_end
%1_32:
    push ecx
    mov ecx, 32
    call dshift_mask
    pop ecx
    setc [dshift_undef]
    mov ecx, ebx
    mov ebx, 0x9C3E5A17
    OP_BEGIN
    %1 eax, ebx, cl
    jmp dshift_end
%1_imm:
    mov dword [t_op_mask], 0x0C5
    OP_BEGIN
    %1 eax, ebx, 4
    OP_END
%1_m16_1:
    mov [t_mem], eax
    mov dword [t_op_mask], 0x8C5
    OP_BEGIN
    %1 word [t_mem], bx, 1
    pushfd
    mov eax, [t_mem]
    popfd
    OP_END
%endmacro
dshift_end:
    pushfd
    pop edx
    cmp byte [dshift_undef], 0
    je .ok
    mov eax, UNDEF
.ok:
    ret
DSHIFT shld
DSHIFT shrd

; ---- bswap, xadd, cmpxchg -----------------------------------------------------------------------
do_bswap:
    OP_BEGIN
    bswap eax
    OP_END
do_bswap_esi:
    mov esi, eax
    OP_BEGIN
    bswap esi
    mov eax, esi
    OP_END
%macro XADD 2                   ; label, register pair
%1:
    OP_BEGIN
    xadd %2
    mov ecx, ebx
    OP_END
%endmacro
XADD xadd_8, {al, bl}
XADD xadd_16, {ax, bx}
XADD xadd_32, {eax, ebx}
xadd_m32:
    mov [t_mem], eax
    OP_BEGIN
    xadd [t_mem], ebx
    mov eax, [t_mem]
    mov ecx, ebx
    OP_END
; cmpxchg: EAX accumulator A, destination B (in ECX), source 0x11111111 (EBX).
%macro CMPXCHG 2
%1:
    mov ecx, ebx
    mov ebx, 0x11111111
    OP_BEGIN
    cmpxchg %2
    OP_END
%endmacro
CMPXCHG cmpxchg_8, {cl, bl}
CMPXCHG cmpxchg_16, {cx, bx}
CMPXCHG cmpxchg_32, {ecx, ebx}
cmpxchg_m32:
    mov [t_mem], ebx
    mov ebx, 0x11111111
    OP_BEGIN
    cmpxchg [t_mem], ebx
    mov ecx, [t_mem]
    OP_END

; ---- conditions: one line per input flag state, one character per condition --------------------
; Order: o no b ae e ne be a s ns p np l ge le g.
%macro SETCC_ALL 0
    seto [cc_buf + 0]
    setno [cc_buf + 1]
    setb [cc_buf + 2]
    setae [cc_buf + 3]
    sete [cc_buf + 4]
    setne [cc_buf + 5]
    setbe [cc_buf + 6]
    seta [cc_buf + 7]
    sets [cc_buf + 8]
    setns [cc_buf + 9]
    setp [cc_buf + 10]
    setnp [cc_buf + 11]
    setl [cc_buf + 12]
    setge [cc_buf + 13]
    setle [cc_buf + 14]
    setg [cc_buf + 15]
%endmacro
%define CC_LIST o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g
%macro CMOV_EACH 16
%assign i 0
%rep 16
    mov eax, 0x30
    cmov%1 eax, [one_char]
    mov [cc_buf + i], al
%rotate 1
%assign i i + 1
%endrep
%endmacro
%macro JCC_EACH 17              ; short/near, then the 16 conditions
%define %%dist %1
%rotate 1
%assign i 0
%rep 16
    mov byte [cc_buf + i], '0'
    j%1 %%dist %%t %+ i
    jmp %%n %+ i
%%t %+ i:
    mov byte [cc_buf + i], '1'
%%n %+ i:
%rotate 1
%assign i i + 1
%endrep
%endmacro

; cc_state: EDX = input EFLAGS for state ECX (bits: CF PF ZF SF OF).
cc_state:
    mov edx, 2
    test ecx, 1
    jz .a
    or edx, 0x001
.a: test ecx, 2
    jz .b
    or edx, 0x004
.b: test ecx, 4
    jz .c
    or edx, 0x040
.c: test ecx, 8
    jz .d
    or edx, 0x080
.d: test ecx, 16
    jz .e
    or edx, 0x800
.e: ret

; cc_line: prints "<ESI name> in=<EDX> -> <cc_buf as 0/1>".
cc_line:
    call t_puts
    PUTS " in="
    HEX16 edx
    PUTS " -> "
    push esi
    mov esi, cc_buf
    call t_puts
    pop esi
    NL
    ret

run_conditions:
    xor ecx, ecx
.state:
    call cc_state
    push edx
    popfd
    SETCC_ALL
    call cc_to_chars
    mov esi, s_setcc
    call cc_line
    push edx
    popfd
    CMOV_EACH CC_LIST
    mov esi, s_cmovcc
    call cc_line
    push edx
    popfd
    JCC_EACH short, CC_LIST
    mov esi, s_jcc8
    call cc_line
    push edx
    popfd
    JCC_EACH near, CC_LIST
    mov esi, s_jcc32
    call cc_line
    inc ecx
    cmp ecx, 32
    jb .state
    ret
cc_to_chars:
    push ecx
    xor ecx, ecx
.c: add byte [cc_buf + ecx], '0'
    inc ecx
    cmp ecx, 16
    jb .c
    pop ecx
    ret

; ---- bit strings in memory: register bit offsets reach other dwords ---------------------------
%macro BTMEM 2                  ; label, instruction on [bitstr] with the offset in EBX/BX
%1:
    mov dword [bits_lo], 0x01234567
    mov dword [bitstr + 0], 0x89ABCDEF
    mov dword [bitstr + 4], 0xF0E1D2C3
    mov dword [bitstr + 8], 0x00000000
    push dword 2
    popfd
    %2
    pushfd
    pop edx
    ret
%endmacro
BTMEM btm_bt, {bt dword [bitstr], ebx}
BTMEM btm_bts, {bts dword [bitstr], ebx}
BTMEM btm_btr, {btr dword [bitstr], ebx}
BTMEM btm_btc, {btc dword [bitstr], ebx}
BTMEM btm_bts16, {bts word [bitstr], bx}
BTMEM btm_btc_imm, {btc dword [bitstr], 63}

run_btmem:
    mov esi, btm_cases
.next:
    cmp esi, btm_end
    jae .done
    push esi
    mov esi, [esi]
    call t_puts
    pop esi
    PUTS " offset="
    HEX32 [esi + 8]
    mov ebx, [esi + 8]
    push esi
    call [esi + 4]
    pop esi
    PUTS " -> "
    HEX32 [bits_lo]
    SP
    HEX32 [bitstr + 0]
    SP
    HEX32 [bitstr + 4]
    SP
    HEX32 [bitstr + 8]
    PUTS " cf="
    and edx, 1
    HEX8 edx
    NL
    add esi, 12
    jmp .next
.done:
    ret

; ---- cmpxchg8b ------------------------------------------------------------------------------------
run_cmpxchg8b:
    mov esi, c8_cases
.next:
    cmp esi, c8_end
    jae .done
    mov eax, [esi]
    mov [qword_m], eax
    mov eax, [esi + 4]
    mov [qword_m + 4], eax
    PUTS "cmpxchg8b m="
    HEX32 [qword_m + 4]
    HEX32 [qword_m]
    PUTS " edx:eax="
    HEX32 [esi + 12]
    HEX32 [esi + 8]
    PUTS " in="
    HEX16 [esi + 16]
    mov eax, [esi + 8]
    mov edx, [esi + 12]
    mov ebx, 0x55667788
    mov ecx, 0x11223344
    push dword [esi + 16]
    popfd
    cmpxchg8b [qword_m]
    pushfd
    pop ebx
    PUTS " -> edx:eax="
    HEX32 edx
    HEX32 eax
    PUTS " m="
    HEX32 [qword_m + 4]
    HEX32 [qword_m]
    PUTS " fl="
    and ebx, T_ARITH_FLAGS
    HEX16 ebx
    NL
    add esi, 20
    jmp .next
.done:
    ret

section .data
matrix_rows:
    MROW "bt16", bt_16, 16, 0x041, 2
    MROW "bt32", bt_32, 32, 0x041, 2
    MROW "bts16", bts_16, 16, 0x041, 2
    MROW "bts32", bts_32, 32, 0x041, 2
    MROW "btr16", btr_16, 16, 0x041, 2
    MROW "btr32", btr_32, 32, 0x041, 2
    MROW "btc16", btc_16, 16, 0x041, 2
    MROW "btc32", btc_32, 32, 0x041, 2
matrix_end:
scan_rows:
    MROW "bt eax,35", bt_imm, 32, 0x041, 1
    MROW "bts eax,35", bts_imm, 32, 0x041, 1
    MROW "btr eax,35", btr_imm, 32, 0x041, 1
    MROW "btc eax,35", btc_imm, 32, 0x041, 1
    MROW "bsf16", bsf_16, 16, 0x040, 2
    MROW "bsf32", bsf_32, 32, 0x040, 2
    MROW "bsr16", bsr_16, 16, 0x040, 2
    MROW "bsr32", bsr_32, 32, 0x040, 2
    MROW "bswap eax", do_bswap, 32, T_ARITH_FLAGS, 1
    MROW "bswap esi", do_bswap_esi, 32, T_ARITH_FLAGS, 1
    MROW "xadd8", xadd_8, 8, T_ARITH_FLAGS, 2 | T_PRINT_ECX
    MROW "xadd16", xadd_16, 16, T_ARITH_FLAGS, 2 | T_PRINT_ECX
    MROW "xadd32", xadd_32, 32, T_ARITH_FLAGS, 2 | T_PRINT_ECX
    MROW "cmpxchg8", cmpxchg_8, 8, T_ARITH_FLAGS, 2 | T_PRINT_ECX
    MROW "cmpxchg16", cmpxchg_16, 16, T_ARITH_FLAGS, 2 | T_PRINT_ECX
    MROW "cmpxchg32", cmpxchg_32, 32, T_ARITH_FLAGS, 2 | T_PRINT_ECX
scan_end:
dshift_rows:
    MROW "shld16 src=c3e9", shld_16, 16, 0, 2
    MROW "shld32 src=9c3e5a17", shld_32, 32, 0, 2
    MROW "shrd16 src=c3e9", shrd_16, 16, 0, 2
    MROW "shrd32 src=9c3e5a17", shrd_32, 32, 0, 2
dshift_end_rows:
form_rows:
    FROW "shld eax,ebx,4", shld_imm, 0x0C5
    FROW "shrd eax,ebx,4", shrd_imm, 0x0C5
    FROW "shld [m16],bx,1", shld_m16_1, 0x8C5
    FROW "shrd [m16],bx,1", shrd_m16_1, 0x8C5
    FROW "xadd [m32],ebx", xadd_m32, T_ARITH_FLAGS | T_FORM_ECX
    FROW "cmpxchg [m32],ebx=11111111", cmpxchg_m32, T_ARITH_FLAGS | T_FORM_ECX
form_end:
t_fpairs:
    dd 0x80000001, 0x7FFFFFFF
    dd 0x12345678, 0x12345678
    dd 0x0000FFFF, 0xFFFF0000
T_FPAIRS_COUNT equ 3

%macro BTCASE 3
[section .rodata]
%%n: db %1, 0
__SECT__
    dd %%n, %2, %3
%endmacro
btm_cases:
    BTCASE "bt [m32],ebx", btm_bt, -33
    BTCASE "bt [m32],ebx", btm_bt, 63
    BTCASE "bts [m32],ebx", btm_bts, -1
    BTCASE "bts [m32],ebx", btm_bts, 70
    BTCASE "btr [m32],ebx", btm_btr, -32
    BTCASE "btr [m32],ebx", btm_btr, 37
    BTCASE "btc [m32],ebx", btm_btc, 0
    BTCASE "btc [m32],ebx", btm_btc, -25
    BTCASE "bts [m16],bx", btm_bts16, 0xFFFF      ; -1 as a 16-bit offset
    BTCASE "bts [m16],bx", btm_bts16, 17
    BTCASE "btc [m32],imm8 63", btm_btc_imm, 0
btm_end:
c8_cases:                       ; m lo, m hi, eax, edx, input EFLAGS
    dd 0x89ABCDEF, 0x01234567, 0x89ABCDEF, 0x01234567, 0x002
    dd 0x89ABCDEF, 0x01234567, 0x89ABCDEF, 0x01234568, 0x8D7
    dd 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x8D7
    dd 0xFFFFFFFF, 0x00000000, 0xFFFFFFFF, 0xFFFFFFFF, 0x002
c8_end:

t_vals8:  dd 0x00, 0x01, 0x7F, 0x80, 0xFF, 0x6B
t_vals16: dd 0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFF, 0x9C3E
t_vals32: dd 0x00000000, 0x00000001, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x5A17C3E9
T_VALS_COUNT equ 6
bitoffs: dd 0, 1, 15, 16, 31, 32, 47, 0xFFFFFFFF
BITOFFS equ ($ - bitoffs) / 4
dcounts: dd 0, 1, 2, 8, 15, 16, 17, 31, 32, 33
DCOUNTS equ ($ - dcounts) / 4
t_in_flags: dd 0x000, T_ARITH_FLAGS
T_IN_FLAGS_COUNT equ 2
t_mem: dd 0
one_char: dd 0x31
s_setcc: db "setcc ", 0
s_cmovcc: db "cmovcc", 0
s_jcc8: db "jcc8  ", 0
s_jcc32: db "jcc32 ", 0
cc_buf: times 17 db 0
dshift_undef: db 0
align 8
bits_lo: dd 0
bitstr: dd 0, 0, 0
qword_m: dd 0, 0

section .text
global test_main
test_main:
    PUTSL "t-bits: bt/bsf/bsr/shld/shrd/bswap/setcc/cmovcc/jcc/xadd/cmpxchg/cmpxchg8b"
    mov dword [t_bvals_ptr], bitoffs
    mov dword [t_bvals_count], BITOFFS
    mov esi, matrix_rows
    mov edi, matrix_end
    call t_matrix
    mov dword [t_bvals_count], 0
    mov esi, scan_rows
    mov edi, scan_end
    call t_matrix
    mov dword [t_bvals_ptr], dcounts
    mov dword [t_bvals_count], DCOUNTS
    mov esi, dshift_rows
    mov edi, dshift_end_rows
    call t_matrix
    mov dword [t_bvals_count], 0
    mov esi, form_rows
    mov edi, form_end
    mov ebx, t_fpairs
    mov ecx, T_FPAIRS_COUNT
    call t_forms
    PUTSL "conditions: o no b ae e ne be a s ns p np l ge le g"
    call run_conditions
    call run_btmem
    call run_cmpxchg8b
    TRY 6, "cmpxchg8b with a register operand"
    db 0x0F, 0xC7, 0xC8         ; cmpxchg8b eax (mod = 11)
    ENDTRY
    PUTSL "t-bits: done"
    ret
