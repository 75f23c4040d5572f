; kbd-echo: the keyboard through the 8042: IRQ1 (vector 0x21) takes each scan code (set 1, as
; the 8042 translates with the command byte's XLAT bit), the main loop decodes make/break with
; the shift and ctrl keys held (US layout) and echoes the characters on COM1: Enter as a new
; line, Ctrl+letter as ^X, keys with no character as <hh>. Esc ends the run: a summary line
; and exit code 0. Waits with STI; HLT, so a keyboard that never sends anything hangs it.
%include "t-lib.inc"

%define VEC_KBD     (T_IRQ_BASE + 1)
%define KBC_DATA    0x60
%define KBC_STATUS  0x64
%define SC_LSHIFT   0x2A
%define SC_RSHIFT   0x36
%define SC_CTRL     0x1D
%define SC_ENTER    0x1C
%define SC_ESC      0x01

section .text
test_main:
    mov dword [t_handlers + VEC_KBD*4], isr_kbd
    PUTSL "kbd-echo: type; Esc ends"
    mov al, 0xFD                ; unmask IRQ1 only
    out PIC1_DATA, al
    ; A key that arrived before the 8259A was set up raised IRQ1 while t_init reprogrammed it:
    ; that edge is gone. Take the byte by polling; the 8042's next one makes a new edge.
    in al, KBC_STATUS
    test al, 1
    jz .next
    call isr_kbd
.next:
    cli
    mov eax, [head]
    cmp eax, [tail]
    jne .have
    sti
    hlt
    jmp .next
.have:
    sti
    movzx ebx, byte [ring + eax]
    inc eax
    and eax, 255
    mov [head], eax
    inc dword [codes]
    call key
    cmp dword [done], 0
    je .next
    NL
    PUTS "kbd-echo: scan codes="
    HEX32 [codes]
    PUTS " characters="
    HEX32 [chars]
    NL
    ret

; key: one scan code in EBX.
key:
    mov eax, ebx
    and eax, 0x7F
    test ebx, 0x80
    jnz .break
    cmp eax, SC_LSHIFT
    je .shift_on
    cmp eax, SC_RSHIFT
    je .shift_on
    cmp eax, SC_CTRL
    je .ctrl_on
    cmp eax, SC_ESC
    je .esc
    cmp eax, SC_ENTER
    je .enter
    cmp eax, 0x3A
    jae .other
    movzx ecx, byte [plain + eax]
    cmp dword [shift], 0
    je .have
    movzx ecx, byte [shifted + eax]
.have:
    test ecx, ecx
    jz .other
    cmp dword [ctrl], 0
    je .print
    ; Ctrl+letter: ^ and the capital.
    mov al, '^'
    call t_putc
    mov eax, ecx
    and eax, 0xDF
    jmp .out
.print:
    mov eax, ecx
.out:
    call t_putc
    inc dword [chars]
    ret
.enter:
    NL
    inc dword [chars]
    ret
.esc:
    mov dword [done], 1
    ret
.other:
    mov al, '<'
    call t_putc
    HEX8 ebx
    mov al, '>'
    call t_putc
    ret
.shift_on:
    mov dword [shift], 1
    ret
.ctrl_on:
    mov dword [ctrl], 1
    ret
.break:
    cmp eax, SC_LSHIFT
    je .shift_off
    cmp eax, SC_RSHIFT
    je .shift_off
    cmp eax, SC_CTRL
    jne .ignore
    mov dword [ctrl], 0
.ignore:
    ret
.shift_off:
    mov dword [shift], 0
    ret

; isr_kbd: the scan code into the ring, EOI to the master 8259A.
isr_kbd:
    in al, KBC_DATA
    mov ecx, [tail]
    mov [ring + ecx], al
    inc ecx
    and ecx, 255
    mov [tail], ecx
    mov al, 0x20
    out PIC1_CMD, al
    xor eax, eax
    ret

section .rodata
; Set 1 make codes 0x00-0x39 → characters without and with shift (0: no character).
plain:   db 0, 0, "1234567890-=", 0, 0, "qwertyuiop[]", 0, 0, "asdfghjkl;'`", 0, "\zxcvbnm,./", 0, "*", 0, " "
shifted: db 0, 0, "!@#$%^&*()_+", 0, 0, "QWERTYUIOP{}", 0, 0, 'ASDFGHJKL:"~', 0, "|ZXCVBNM<>?", 0, "*", 0, " "

section .bss
T_ALIGNB 4
head:   resd 1
tail:   resd 1
codes:  resd 1
chars:  resd 1
shift:  resd 1
ctrl:   resd 1
done:   resd 1
ring:   resb 256
