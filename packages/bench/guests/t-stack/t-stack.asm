; t-stack.asm: push/pop in every form (imm, reg, mem, segment, esp itself, 16-bit), pusha/popa, pushf/popf, enter/leave, call/ret near and far, ret imm16.
;
; Each case runs on a private stack filled with 0xCCCCCCCC and prints ESP and what lies between
; ESP and the stack top. Stack addresses are printed as T-<offset below the top>, code
; addresses as L+<offset from the case's label>, so nothing depends on the link. A segment
; register pushed with a 32-bit operand size prints only its low 16 bits: "either a
; zero-extended value is pushed on the stack or the segment selector is written on the stack
; using a 16-bit move" (SDM Vol. 2, PUSH), and a far CALL pushes CS the same way.
%include "t-lib.inc"

section .text
; CASE name: switch to the private stack (refilled), remember the label for code addresses.
%macro CASE 1
    PUTS %1
    call refill
    mov dword [case_label], %%label
    mov [main_esp], esp
    mov esp, tstack_top
%%label:
%endmacro
; END_CASE: back to the main stack, print ESP and the stack contents.
%macro END_CASE 0
    mov [case_esp], esp
    mov esp, [main_esp]
    call show
%endmacro

refill:
    pushad
    mov edi, tstack_top - 256
    mov ecx, 64
    mov eax, 0xCCCCCCCC
    rep stosd
    popad
    ret

; value: prints EAX as T-x (inside the private stack), L+x (inside the code), or hex.
value:
    push ebx
    mov ebx, tstack_top
    sub ebx, eax
    cmp ebx, 0x2000
    ja .code
    PUTS "T-"
    HEX16 ebx
    pop ebx
    ret
.code:
    mov ebx, eax
    sub ebx, [case_label]
    cmp ebx, 0x1000
    jae .hex
    PUTS "L+"
    HEX16 ebx
    pop ebx
    ret
.hex:
    call t_hex32
    pop ebx
    ret

; show: " esp=<value> [ <dwords from ESP to the top> ]" and a newline.
show:
    pushad
    PUTS " esp="
    mov eax, [case_esp]
    call value
    PUTS " stack:"
    mov esi, [case_esp]
.l: cmp esi, tstack_top
    jae .done
    SP
    mov eax, [esi]
    call value
    add esi, 4
    jmp .l
.done:
    NL
    popad
    ret

; reg: prints " <name>=<value of EAX>".
%macro REG 2
    PUTS {" ", %1, "="}
    push eax
    mov eax, %2
    call value
    pop eax
%endmacro

near_target:
    mov eax, 0x600D
    ret
ret8_target:
    ret 8
far_target:
    mov eax, 0xFA4
    retf
far_target_imm:
    retf 12

global test_main
test_main:
    PUTSL "t-stack: push/pop, pusha/popa, pushf/popf, enter/leave, call/ret"

    CASE "push imm8 -2; push imm32; push imm16:"
    push strict byte -2
    push strict dword 0x12345678
    push word 0xBEEF
    END_CASE

    CASE "push eax; push ebx; pop ecx; pop edx:"
    mov eax, 0x11111111
    mov ebx, 0x22222222
    push eax
    push ebx
    pop ecx
    pop edx
    REG "ecx", ecx
    REG "edx", edx
    END_CASE

    CASE "push [m32]; pop [m32]; push [m16] (66 ff /6):"
    mov dword [mem_a], 0xA1A2A3A4
    push dword [mem_a]
    pop dword [mem_b]
    push word [mem_a]
    REG "mem_b", [mem_b]
    END_CASE

    CASE "push esp (old value):"
    push esp
    END_CASE

    CASE "push word sp (66 54): pushed == low half of the old esp:"
    push sp
    lea ebx, [esp + 2]
    xor eax, eax
    cmp bx, [esp]
    sete al
    mov word [esp], 0x5555      ; the pushed value depends on the link: replaced once checked
    REG "same", eax
    END_CASE

    CASE "pop esp:"
    push dword tstack_top - 0x40
    pop esp
    END_CASE

    CASE "pop [esp] (address after the increment):"
    push dword 0xAAAA0001
    push dword 0xAAAA0002
    pop dword [esp]
    END_CASE

    CASE "pop [esp+4]:"
    push dword 0xBBBB0001
    push dword 0xBBBB0002
    push dword 0xBBBB0003
    pop dword [esp + 4]
    END_CASE

    CASE "fs=0x23; push ds; push fs; push word es; pop gs (16-bit); pop fs:"
    mov ax, SEL_DATA3
    mov fs, ax
    push ds
    push fs
    and dword [esp], 0xFFFF     ; the upper half of a pushed segment register is not defined
    and dword [esp + 4], 0xFFFF
    push word es
    pop word gs
    mov ax, gs
    movzx eax, ax
    pop fs
    mov bx, fs
    movzx ebx, bx
    mov cx, SEL_DATA0
    mov fs, cx
    mov gs, cx
    REG "gs", eax
    REG "fs", ebx
    END_CASE

    CASE "push ax; pop bx (66 50, 66 5b):"
    mov eax, 0x1234ABCD
    mov ebx, 0xFFFFFFFF
    push ax
    push ax
    pop bx
    REG "ebx", ebx
    END_CASE

    CASE "pushad:"
    mov eax, 0xA0
    mov ecx, 0xC0
    mov edx, 0xD0
    mov ebx, 0xB0
    mov ebp, 0xBB
    mov esi, 0x51
    mov edi, 0xD1
    pushad
    END_CASE

    CASE "pushad; clobber; popad (the ESP slot is skipped):"
    mov eax, 0xA0
    mov ecx, 0xC0
    mov edx, 0xD0
    mov ebx, 0xB0
    mov ebp, 0xBB
    mov esi, 0x51
    mov edi, 0xD1
    pushad
    mov dword [esp + 12], 0x12345678
    xor eax, eax
    mov ecx, eax
    mov edx, eax
    mov ebx, eax
    mov ebp, eax
    mov esi, eax
    mov edi, eax
    popad
    REG "eax", eax
    REG "ecx", ecx
    REG "edx", edx
    REG "ebx", ebx
    REG "ebp", ebp
    REG "esi", esi
    REG "edi", edi
    END_CASE

    CASE "pushaw; popaw (16-bit):"
    mov eax, 0xFFFF00A0
    mov ecx, 0xFFFF00C0
    mov edx, 0xFFFF00D0
    mov ebx, 0xFFFF00B0
    mov ebp, 0xFFFF00BB
    mov esi, 0xFFFF0051
    mov edi, 0xFFFF00D1
    pushaw
    mov word [esp], 0x1111      ; new DI
    popaw
    pushaw
    lea ebx, [esp + 16]
    xor eax, eax
    cmp bx, [esp + 6]
    sete al
    mov word [esp + 6], 0x5555  ; the SP slot, replaced once checked
    REG "sp_slot_ok", eax
    mov eax, 0xFFFF00A0
    REG "edi", edi
    REG "eax", eax
    END_CASE

    CASE "pushfd/popfd (OF DF SF ZF AF PF CF):"
    push dword 0x00000CD7
    popfd
    pushfd
    and dword [esp], 0x00000FD7
    push dword 0x00000002
    popfd
    pushfd
    and dword [esp], 0x00000FD7
    END_CASE

    CASE "pushfw/popfw (66 9c, 66 9d):"
    push word 0x08D7
    popfw
    pushfw
    pushfd
    and dword [esp], 0x00000FD7
    push dword 2
    popfd
    END_CASE

    CASE "enter 16,0:"
    mov ebp, 0xEB
    enter 16, 0
    REG "ebp", ebp
    END_CASE

    CASE "enter 8,1:"
    mov ebp, 0xEB
    enter 8, 1
    REG "ebp", ebp
    END_CASE

    CASE "enter 4,3 (two outer frame pointers copied from [ebp-4], [ebp-8]):"
    mov dword [tstack_top - 0x84], tstack_top - 0x111
    mov dword [tstack_top - 0x88], tstack_top - 0x222
    mov ebp, tstack_top - 0x80
    enter 4, 3
    REG "ebp", ebp
    END_CASE

    CASE "enter 12,0; push; leave:"
    mov ebp, 0x0EB0
    enter 12, 0
    push dword 0x77
    leave
    REG "ebp", ebp
    END_CASE

    CASE "enter 0x1234,0; leave (large frame):"
    mov ebp, 0x0EB0
    enter 0x1234, 0
    mov [mem_a], esp
    leave
    mov eax, [mem_a]
    REG "esp_in", eax
    REG "ebp", ebp
    END_CASE

    CASE "call rel32; ret (return address kept below ESP):"
    xor eax, eax
    call near_target
    mov ebx, [esp - 4]
    REG "eax", eax
    REG "ret", ebx
    END_CASE

    CASE "call eax; call [m32]:"
    mov dword [mem_a], near_target
    mov eax, near_target
    call eax
    call [mem_a]
    mov ebx, [esp - 4]
    REG "ret", ebx
    END_CASE

    CASE "push 3 dwords; call; ret 8:"
    push dword 1
    push dword 2
    push dword 3
    call ret8_target
    END_CASE

    CASE "far call 0x08:target; retf:"
    xor eax, eax
    call SEL_CODE0:far_target
    mov ebx, [esp - 8]
    movzx ecx, word [esp - 4]
    REG "eax", eax
    REG "ret", ebx
    REG "cs", ecx
    END_CASE

    CASE "far call [m16:32]; retf 12:"
    mov dword [mem_far], far_target_imm
    mov word [mem_far + 4], SEL_CODE0
    push dword 0xF1
    push dword 0xF2
    push dword 0xF3
    push dword 0xF4
    call far [mem_far]
    mov ebx, [esp - 20]
    movzx ecx, word [esp - 16]
    REG "ret", ebx
    REG "cs", ecx
    END_CASE

    PUTSL "t-stack: done"
    ret

section .data
mem_a: dd 0
mem_b: dd 0
mem_far: dd 0, 0

section .bss
main_esp:   resd 1
case_esp:   resd 1
case_label: resd 1
T_ALIGNB 16
            resb 8192
tstack_top:
