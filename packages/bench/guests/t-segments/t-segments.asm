; t-segments.asm: segment descriptor loads with every check, the accessed bit, LDT selectors, lar/lsl/verr/verw/arpl, sgdt/sidt/sldt/str/smsw/lmsw.
;
; Loads go to FS/GS (or DS/SS with flat segments), so the guest's own data accesses stay inside
; every limit. QEMU checks segment type, privilege, presence and selector limits when a
; descriptor is loaded, but no limit or type on a later data access, so only loads are checked.
; LAR prints the access rights ANDed with 00F0FF00: "bits 16 through 19 are undefined" (SDM
; Vol. 2, LAR); the destination of a failed LAR/LSL is unchanged (preset to 0xEEEEEEEE). SMSW
; into a 32-bit register prints only bits 15:0 ("the high-order 16 bits are undefined").
%include "t-lib.inc"

%define S_DATA0     0x30        ; GDT[6]  data RW, DPL 0, accessed bit clear
%define S_DATA3     0x38        ; GDT[7]  data RW, DPL 3
%define S_RO0       0x40        ; GDT[8]  data read-only, DPL 0
%define S_XO0       0x48        ; GDT[9]  code execute-only, DPL 0
%define S_CODE_R0   0x50        ; GDT[10] code readable, non-conforming, DPL 0
%define S_CONF_R3   0x58        ; GDT[11] code readable, conforming, DPL 3
%define S_NP        0x60        ; GDT[12] data RW, not present
%define S_EXPDOWN   0x68        ; GDT[13] data RW expand-down, limit 0xFFF, B=1
%define S_BYTE      0x70        ; GDT[14] data RW, byte granular, limit 0x1234
%define S_LDT       0x78        ; GDT[15] LDT (2 entries)
%define S_INTGATE   0x80        ; GDT[16] a 32-bit interrupt gate (not a segment)
%define S_CALLGATE  0x88        ; GDT[17] a 32-bit call gate
%define S_CODE_R3   0x90        ; GDT[18] code readable, non-conforming, DPL 3
%define S_PAGE0     0x98        ; GDT[19] data RW, 4 KiB granular, limit 0 (0xFFF)
%define S_CODE0_RO  0xA0        ; GDT[20] code execute-only conforming, DPL 0
%define L_DATA      0x0C        ; LDT[1] data RW, DPL 0 (TI=1)
%define L_BEYOND    0x14        ; LDT[2]: past the LDT limit

section .text
%macro DESC 4                   ; index, base, limit, access | flags << 8
    mov eax, %1
    mov ebx, %2
    mov ecx, %3
    mov edx, %4
    call t_gdt_set
%endmacro
%macro GATE 3                   ; index, type byte, parameter count
    mov dword [t_gdt + %1*8], SEL_CODE0 << 16
    mov dword [t_gdt + %1*8 + 4], (%2 << 8) | %3
%endmacro

; LOAD seg, selector, vector: a TRY block that loads the segment register.
%macro LOAD 3
    mov ax, %2
    TRY %3, %str(mov %1, %2)
    mov %1, ax
    ENDTRY
    mov ax, SEL_DATA0
    mov fs, ax
    mov gs, ax
%endmacro

; print_access: " A=<accessed bit of GDT entry EAX>".
print_accessed:
    PUTS " accessed="
    movzx ebx, byte [t_gdt + eax*8 + 5]
    and ebx, 1
    HEX8 ebx
    ret

; CHECKS selector: lar, lsl, verr, verw on it, one line.
%macro CHECKS 1
    PUTS %str(%1 :)
    mov eax, %1
    call checks
%endmacro
checks:
    mov ebx, eax
    mov ecx, 0xEEEEEEEE
    lar ecx, ebx
    pushfd
    pop edx
    PUTS " lar="
    and edx, 0x40
    jz .larbad
    and ecx, 0x00F0FF00
    HEX32 ecx
    jmp .lsl
.larbad:
    PUTS "nz,"
    HEX32 ecx
.lsl:
    mov ecx, 0xEEEEEEEE
    lsl ecx, ebx
    pushfd
    pop edx
    PUTS " lsl="
    and edx, 0x40
    jnz .lslok
    PUTS "nz,"
.lslok:
    HEX32 ecx
    verr bx
    setz cl
    PUTS " verr="
    HEX8 ecx
    verw bx
    setz cl
    PUTS " verw="
    HEX8 ecx
    NL
    ret

global test_main
test_main:
    PUTSL "t-segments: descriptor loads and checks, lar/lsl/verr/verw/arpl, sgdt/sidt/sldt/str/smsw/lmsw"
    DESC 6, 0, 0xFFFFF, 0xC092
    DESC 7, 0, 0xFFFFF, 0xC0F3
    DESC 8, 0, 0xFFFFF, 0xC091
    DESC 9, 0, 0xFFFFF, 0xC099
    DESC 10, 0, 0xFFFFF, 0xC09B
    DESC 11, 0, 0xFFFFF, 0xC0FF
    DESC 12, 0, 0xFFFFF, 0xC013
    DESC 13, 0, 0x00FFF, 0x4097
    DESC 14, 0x12345678, 0x01234, 0x0093
    DESC 15, ldt, 3 * 8 - 1, 0x0082
    GATE 16, 0x8E, 0
    GATE 17, 0x8C, 1
    DESC 18, 0, 0xFFFFF, 0xC0FB
    DESC 19, 0, 0x00000, 0x8093
    DESC 20, 0, 0xFFFFF, 0xC09D

    xor eax, eax                ; LDTR null: a TI=1 selector has no table (the reset LDTR
    lldt ax                     ; would point at linear 0 with limit 0xFFFF)
    ; ---- loads at CPL 0
    PUTS "before: gdt[6]"
    mov eax, 6
    call print_accessed
    NL
    LOAD fs, S_DATA0, 13
    PUTS "after: gdt[6]"
    mov eax, 6
    call print_accessed
    NL
    LOAD fs, S_DATA0 | 3, 13        ; RPL 3 > DPL 0
    LOAD fs, S_DATA3 | 3, 13        ; DPL 3 data, RPL 3: fine at CPL 0
    LOAD fs, S_RO0, 13
    LOAD fs, S_XO0, 13              ; execute-only code: not readable
    LOAD fs, S_CODE_R0, 13          ; readable code: fine
    LOAD gs, S_CODE_R0 | 3, 13      ; non-conforming code, RPL 3 > DPL 0
    LOAD gs, S_CONF_R3 | 3, 13      ; conforming readable code: no privilege check
    LOAD gs, S_CODE0_RO, 13         ; conforming but execute-only
    LOAD gs, S_NP, 11
    LOAD gs, S_EXPDOWN, 13
    LOAD gs, S_BYTE, 13
    LOAD gs, S_LDT, 13              ; system descriptor
    LOAD gs, S_INTGATE, 13
    LOAD gs, SEL_TSS, 13
    LOAD gs, 0x0000, 13             ; null: fine in a data segment register
    LOAD gs, 0x0003, 13             ; null with RPL 3: fine too
    LOAD gs, 0x0100, 13             ; past the GDT limit
    LOAD gs, L_DATA, 13             ; TI=1 with a null LDTR
    ; SS
    LOAD ss, S_DATA0, 12
    LOAD ss, S_RO0, 13
    LOAD ss, S_CODE_R0, 13
    LOAD ss, S_DATA3 | 3, 13        ; RPL != CPL
    LOAD ss, S_DATA3, 13            ; DPL != CPL
    LOAD ss, S_DATA0 | 1, 13
    LOAD ss, S_NP, 12
    LOAD ss, S_EXPDOWN, 12          ; expand-down writable data: a valid stack segment
    mov ax, SEL_DATA0
    mov ss, ax
    ; CS through a far jump
    TRY 13, "jmp far S_XO0 (execute-only code: fine)"
    jmp S_XO0:.xo
.xo:
    jmp SEL_CODE0:.back
.back:
    ENDTRY
    TRY 13, "jmp far to a DPL-3 non-conforming code segment"
    jmp S_CODE_R3:0
    ENDTRY
    TRY 13, "jmp far to a DPL-3 conforming segment (CPL 0 < DPL 3)"
    jmp S_CONF_R3:0
    ENDTRY

    ; ---- LDT
    mov ax, S_LDT
    lldt ax
    sldt ax
    PUTS "sldt="
    HEX16 eax
    NL
    LOAD gs, L_DATA, 13
    LOAD gs, L_BEYOND, 13           ; past the LDT limit
    PUTS "after: ldt[1]"
    movzx ebx, byte [ldt + 8 + 5]
    and ebx, 1
    PUTS " accessed="
    HEX8 ebx
    NL

    ; ---- lar/lsl/verr/verw
    CHECKS S_DATA0
    CHECKS S_DATA3
    CHECKS S_RO0
    CHECKS S_XO0
    CHECKS S_CODE_R0
    CHECKS S_CONF_R3
    CHECKS S_NP
    CHECKS S_EXPDOWN
    CHECKS S_BYTE
    CHECKS S_LDT
    CHECKS S_INTGATE
    CHECKS S_CALLGATE
    CHECKS S_CODE_R3
    CHECKS S_PAGE0
    CHECKS SEL_TSS
    CHECKS L_DATA
    CHECKS 0x0100
    CHECKS 0x0000
    CHECKS S_DATA0 | 3
    CHECKS S_CONF_R3 | 3

    ; ---- arpl
    mov eax, 0x0010
    mov ebx, 0x0003
    arpl ax, bx
    setz cl
    PUTS "arpl 0010,0003 -> "
    HEX16 eax
    PUTS " zf="
    HEX8 ecx
    NL
    mov eax, 0x0013
    mov ebx, 0x0001
    arpl ax, bx
    setz cl
    PUTS "arpl 0013,0001 -> "
    HEX16 eax
    PUTS " zf="
    HEX8 ecx
    NL
    mov word [mem], 0x0021
    mov ebx, 0x0002
    arpl [mem], bx
    setz cl
    PUTS "arpl [0021],0002 -> "
    HEX16 [mem]
    PUTS " zf="
    HEX8 ecx
    NL

    ; ---- sgdt/sidt/str/smsw/lmsw
    sgdt [desc_buf]
    PUTS "sgdt limit="
    HEX16 [desc_buf]
    PUTS " base-t_gdt="
    mov eax, [desc_buf + 2]
    sub eax, t_gdt
    HEX32 eax
    NL
    sidt [desc_buf]
    PUTS "sidt limit="
    HEX16 [desc_buf]
    PUTS " base-t_idt="
    mov eax, [desc_buf + 2]
    sub eax, t_idt
    HEX32 eax
    NL
    str ax
    PUTS "str="
    HEX16 eax
    NL
    mov eax, cr0
    mov [saved_cr0], eax
    and eax, 0xFFFFFFF0
    or eax, 0x00000011          ; PE, ET (hard-wired to 1 since the i486)
    and eax, ~0x20              ; NE = 0
    mov cr0, eax
    mov eax, 0xEEEEEEEE
    smsw eax
    PUTS "smsw="
    HEX16 eax
    NL
    mov word [mem], 0xEEEE
    smsw [mem]
    PUTS "smsw [m16]="
    HEX16 [mem]
    NL
    mov ax, 0x000E              ; PE=0 MP EM TS: lmsw cannot clear PE
    lmsw ax
    mov eax, cr0
    PUTS "lmsw 000e -> cr0&f="
    and eax, 0xF
    HEX8 eax
    NL
    mov eax, [saved_cr0]
    mov cr0, eax
    PUTSL "t-segments: done"
    ret

section .data
align 8
ldt:
    dq 0
    dq 0x00CF92000000FFFF       ; LDT[1]: flat data, DPL 0
    dq 0
mem: dd 0
saved_cr0: dd 0
desc_buf: times 8 db 0
