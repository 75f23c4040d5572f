; t-bcd.asm: the decimal-adjust instructions (daa das aaa aas aam aad, with other bases and AAM 0 -> #DE).
;
; Each runs over AX values around the nibble and byte boundaries, with CF and AF clear/set on
; input. Printed EFLAGS drop what SDM Vol. 2 leaves undefined (Flags Affected of each):
;   DAA, DAS: "The OF flag is undefined"                       -> SF ZF AF PF CF
;   AAA, AAS: "The OF, SF, ZF, and PF flags are undefined"     -> AF CF
;   AAM, AAD: "The OF, AF, and CF flags are undefined"         -> SF ZF PF
%include "t-lib.inc"
%include "t-ops.inc"

section .text
%macro BCD 2                    ; label, instruction
%1:
    OP_BEGIN
    %2
    OP_END
%endmacro
BCD do_daa, daa
BCD do_das, das
BCD do_aaa, aaa
BCD do_aas, aas
BCD do_aam, aam
BCD do_aad, aad
BCD do_aam16, {db 0xD4, 16}     ; aam imm8 (base 16)
BCD do_aam7, {db 0xD4, 7}
BCD do_aad16, {db 0xD5, 16}     ; aad imm8 (base 16)
BCD do_aad7, {db 0xD5, 7}

section .data
matrix_rows:
    MROW "daa", do_daa, 16, 0x0D5, 1
    MROW "das", do_das, 16, 0x0D5, 1
    MROW "aaa", do_aaa, 16, 0x011, 1
    MROW "aas", do_aas, 16, 0x011, 1
    MROW "aam", do_aam, 16, 0x0C4, 1
    MROW "aad", do_aad, 16, 0x0C4, 1
    MROW "aam 16", do_aam16, 16, 0x0C4, 1
    MROW "aam 7", do_aam7, 16, 0x0C4, 1
    MROW "aad 16", do_aad16, 16, 0x0C4, 1
    MROW "aad 7", do_aad7, 16, 0x0C4, 1
matrix_end:
t_vals8:  dd 0
t_vals32: dd 0
t_vals16:
    dd 0x0000, 0x0009, 0x000A, 0x000F, 0x0010, 0x0019, 0x001A, 0x005F, 0x0066, 0x007F
    dd 0x0080, 0x0099, 0x009A, 0x009F, 0x00A0, 0x00F9, 0x00FA, 0x00FF, 0x12FA, 0xFF05
T_VALS_COUNT equ 20
t_in_flags: dd 0x000, 0x001, 0x010, 0x011   ; CF, AF
T_IN_FLAGS_COUNT equ 4

section .text
global test_main
test_main:
    PUTSL "t-bcd: decimal adjust; flags the SDM leaves undefined are masked"
    mov esi, matrix_rows
    mov edi, matrix_end
    call t_matrix
    mov eax, 0x1234
    TRY 0, "aam 0"
    aam 0
    ENDTRY
    PUTS "aam 0 leaves ax="
    HEX16 eax
    NL
    mov eax, 0x0102
    TRY 0, "aad 0"
    aad 0
    ENDTRY
    PUTS "aad 0 gives ax="
    HEX16 eax
    NL
    PUTSL "t-bcd: done"
    ret
