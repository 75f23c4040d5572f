; timer.asm: programs the 8254 for 1000 Hz, takes IRQ0 through the 8259A, and prints the rdtsc cycles between tick 10 and tick 110.
;
; Under x86virt rdtsc is the modeled clock, so the printed span must be 100 PIT periods at the
; cost profile's frequency: 100 * 1193 / 1193182 s * hz, and identical run after run. Under a
; real or emulated PC the span is host-dependent (no golden: the bench test checks the rate).
%include "t-lib.inc"

%define PIT_CH0   0x40
%define PIT_MODE  0x43
%define IRQ0_VEC  T_IRQ_BASE
%define FIRST     10
%define LAST      110

section .text
irq0_handler:
    inc dword [ticks]
    cmp dword [ticks], FIRST
    jne .last
    rdtsc
    mov [tsc_first], eax
    mov [tsc_first + 4], edx
.last:
    cmp dword [ticks], LAST
    jne .eoi
    rdtsc
    mov [tsc_last], eax
    mov [tsc_last + 4], edx
.eoi:
    mov al, 0x20
    out PIC1_CMD, al
    xor eax, eax
    ret

global test_main
test_main:
    mov dword [t_handlers + IRQ0_VEC*4], irq0_handler
    mov al, 0x34                ; counter 0, lobyte/hibyte, mode 2 (rate generator)
    out PIT_MODE, al
    mov al, 1193 & 0xFF
    out PIT_CH0, al
    mov al, 1193 >> 8
    out PIT_CH0, al
    mov al, 0xFE                ; unmask IRQ0 only
    out PIC1_DATA, al
.wait:
    sti
    hlt
    cli
    cmp dword [ticks], LAST
    jb .wait
    PUTS "timer: pit divisor 1193, ticks "
    HEX32 [ticks]
    PUTS " span "
    mov eax, [tsc_last]
    mov edx, [tsc_last + 4]
    sub eax, [tsc_first]
    sbb edx, [tsc_first + 4]
    HEX32 edx
    HEX32 eax
    NL
    ret

section .data
align 4
ticks:     dd 0
tsc_first: dq 0
tsc_last:  dq 0
