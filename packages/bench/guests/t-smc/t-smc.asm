; t-smc.asm: self-modifying code: stores into the instruction ahead in the same block, into code already run, into another page, through a paging alias, by rep movsb, and on every iteration of a loop.
;
; Every case prints the value the patched instruction produced; each must be the new one. The
; SDM (Vol. 3 §8.1.3) recommends a jump between the store and the new code for portability;
; P6-family processors detect a store into the prefetched or already-decoded instruction
; stream themselves, and the cases without a jump check that.
%include "t-lib.inc"
%include "t-paging.inc"

%define EXEC_LIN  0x40000000    ; a physical code page mapped twice: executed here...
%define ALIAS_LIN 0x40001000    ; ...and written here
%define CODE_PHYS 0x300000

section .text
; ---- the very next instruction
next_insn:
    mov byte [.imm + 1], 0x42
.imm:
    mov al, 0x00                ; b0 00: its immediate is rewritten by the store before it
    ret

; ---- a few instructions ahead, in the same block
ahead:
    mov dword [.add + 1], 0x1000
    xor eax, eax
    inc eax
    inc eax
.add:
    add eax, strict dword 0x0001 ; 05 id
    ret

; ---- code that already ran (and may be cached), patched between two calls
ran_before:
    mov eax, 1
    ret

; ---- the opcode itself changes: inc eax -> dec eax
opcode_swap:
    mov eax, 10
    mov byte [.op], 0x48        ; dec eax
.op:
    inc eax                     ; 40
    ret

; ---- a loop that rewrites its own immediate on every iteration
loop_patch:
    xor eax, eax
    mov ecx, 10
.l:
.add:
    add eax, 0x01               ; 83 c0 ib
    inc byte [.add + 2]
    loop .l
    mov byte [.add + 2], 0x01
    ret

; ---- a function in another page, patched from here
    align 4096
other_page:
    mov eax, 0x11111111
    ret
    align 4096

; ---- rep movsb copies a new body over a function
copy_target:
    mov eax, 0x0000C0DE
    ret
    nop
    nop
    nop
copy_source:
    mov eax, 0x0000F00D
    ret

global test_main
test_main:
    PUTSL "t-smc: self-modifying code"
    call next_insn
    PUTS "store into the next instruction: al="
    HEX8 eax
    NL
    call ahead
    PUTS "store a few instructions ahead, same block: eax="
    HEX32 eax
    NL
    call ran_before
    mov ebx, eax
    mov dword [ran_before + 1], 2
    call ran_before
    PUTS "patch code that already ran: before="
    HEX32 ebx
    PUTS " after="
    HEX32 eax
    NL
    call opcode_swap
    PUTS "opcode inc -> dec in the same block: eax="
    HEX32 eax
    NL
    call loop_patch
    PUTS "loop rewriting its own immediate 10 times: eax="
    HEX32 eax
    NL
    call other_page
    mov ebx, eax
    mov dword [other_page + 1], 0x22222222
    call other_page
    PUTS "patch another page: before="
    HEX32 ebx
    PUTS " after="
    HEX32 eax
    NL
    call copy_target
    mov ebx, eax
    mov esi, copy_source
    mov edi, copy_target
    mov ecx, 6
    rep movsb
    call copy_target
    PUTS "rep movsb over a function: before="
    HEX32 ebx
    PUTS " after="
    HEX32 eax
    NL

    ; ---- through a paging alias: the same physical page at two linear addresses
    mov esi, alias_code
    mov edi, CODE_PHYS
    mov ecx, alias_code_end - alias_code
    rep movsb
    call t_paging_on
    mov dword [t_pd + (EXEC_LIN >> 22) * 4], pt_alias + T_PTE_ALL
    mov dword [pt_alias], CODE_PHYS | T_PTE_ALL
    mov dword [pt_alias + 4], CODE_PHYS | T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    call EXEC_LIN
    mov ebx, eax
    mov dword [ALIAS_LIN + 1], 0x00000B0B
    call EXEC_LIN
    PUTS "patch through a paging alias: before="
    HEX32 ebx
    PUTS " after="
    HEX32 eax
    NL
    ; remap the executed page to a different frame holding other code
    mov esi, alias_code
    mov edi, CODE_PHYS + 0x1000
    mov ecx, alias_code_end - alias_code
    rep movsb
    mov dword [CODE_PHYS + 0x1000 + 1], 0x00000C0C
    mov dword [pt_alias], (CODE_PHYS + 0x1000) | T_PTE_ALL
    invlpg [EXEC_LIN]
    call EXEC_LIN
    PUTS "code page remapped to another frame, invlpg: "
    HEX32 eax
    NL
    call t_paging_off
    PUTSL "t-smc: done"
    ret

section .data
alias_code:
    mov eax, 0x00000A0A
    ret
alias_code_end:

section .bss
T_ALIGNB 4096
pt_alias: resb 4096
