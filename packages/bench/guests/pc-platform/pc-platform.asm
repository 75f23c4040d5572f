; pc-platform: the PC platform a real OS expects — BDA, MP tables, local APIC and its timer,
; I/O APIC routing IRQ14, the primary IDE channel (IDENTIFY, READ/WRITE SECTORS and MULTIPLE,
; LBA28 and CHS, master and slave), CGA text with the CRTC cursor read back.
;
; Run with two disks on the primary channel (master and slave) made by
; scripts/pc-platform-disk.mjs: byte i of sector s is (s * 31 + i) & 0xFF. Everything printed
; is independent of time and of where the firmware put its tables.
%include "t-lib.inc"

%define LAPIC           0xFEE00000
%define LAPIC_ID        (LAPIC + 0x20)
%define LAPIC_VER       (LAPIC + 0x30)
%define LAPIC_TPR       (LAPIC + 0x80)
%define LAPIC_EOI       (LAPIC + 0xB0)
%define LAPIC_SVR       (LAPIC + 0xF0)
%define LAPIC_LVT_TIMER (LAPIC + 0x320)
%define LAPIC_LINT0     (LAPIC + 0x350)
%define LAPIC_LINT1     (LAPIC + 0x360)
%define LAPIC_INIT      (LAPIC + 0x380)
%define LAPIC_CUR       (LAPIC + 0x390)
%define LAPIC_DIV       (LAPIC + 0x3E0)

%define VEC_PERIODIC    0x40
%define VEC_ONESHOT     0x41
%define VEC_IDE         0x4E

%define ATA_DATA        0x1F0
%define ATA_ERR         0x1F1
%define ATA_COUNT       0x1F2
%define ATA_LBA0        0x1F3
%define ATA_LBA1        0x1F4
%define ATA_LBA2        0x1F5
%define ATA_DEV         0x1F6
%define ATA_CMD         0x1F7
%define ATA_CTL         0x3F6

section .text
test_main:
    mov dword [t_handlers + VEC_PERIODIC*4], isr_periodic
    mov dword [t_handlers + VEC_ONESHOT*4], isr_oneshot
    mov dword [t_handlers + VEC_IDE*4], isr_ide
    call show_bda
    call find_mp
    call show_lapic
    call apic_timer
    call setup_ioapic
    call ide_tests
    call cga_test
    call apic_msr
    PUTSL "done"
    ret

; ---- CPUID and IA32_APIC_BASE ------------------------------------------------------------------
; apic_msr: CPUID.1:EDX.APIC and IA32_APIC_BASE (MSR 0x1B) as the firmware leaves them, then a
; global disable (bit 11 clear, SDM Vol.3 §11.4.3): CPUID stops reporting the APIC. Last, since
; the APIC stays off (only a reset brings it back on P6-family processors).
apic_msr:
    mov eax, 1
    cpuid
    mov ebx, edx
    shr ebx, 9
    and ebx, 1
    mov ecx, 0x1B
    rdmsr
    mov esi, eax
    mov edi, edx
    PUTS "apic-msr: cpuid-apic="
    HEX8 ebx
    PUTS " base="
    HEX32 edi
    PUTS ":"
    HEX32 esi
    cli
    mov ecx, 0x1B
    mov eax, esi
    and eax, ~0x800
    xor edx, edx
    wrmsr
    rdmsr
    mov esi, eax
    mov eax, 1
    cpuid
    mov ebx, edx
    shr ebx, 9
    and ebx, 1
    PUTS " disabled: base="
    HEX32 esi
    PUTS " cpuid-apic="
    HEX8 ebx
    NL
    ret

; ---- BIOS data area ---------------------------------------------------------------------------
show_bda:
    PUTS "bda: ebda-segment="
    movzx eax, word [0x40E]
    HEX16 eax
    PUTS " base-kib="
    movzx eax, word [0x413]
    HEX16 eax
    NL
    ret

; ---- MP tables -----------------------------------------------------------------------------------
; find_mp: searches the EBDA's first KiB, the last KiB of base memory and 0xF0000-0xFFFFF for
; "_MP_" with a good checksum (MP spec 1.4 §4), then walks the configuration table.
find_mp:
    movzx esi, word [0x40E]
    shl esi, 4
    mov ecx, 1024
    call mp_scan
    jnc .found
    movzx esi, word [0x413]
    shl esi, 10
    sub esi, 1024
    mov ecx, 1024
    call mp_scan
    jnc .found
    mov esi, 0xF0000
    mov ecx, 0x10000
    call mp_scan
    jnc .found
    PUTSL "mp: no floating pointer"
    mov eax, 2
    jmp t_exit
.found:
    PUTS "mp: spec="
    movzx eax, byte [esi + 9]
    HEX8 eax
    PUTS " feature1="
    movzx eax, byte [esi + 11]
    HEX8 eax
    mov edi, [esi + 4]             ; configuration table
    mov esi, edi
    movzx ecx, word [edi + 4]
    call checksum8
    PUTS " table-checksum="
    HEX8 eax
    PUTS " lapic="
    HEX32 [edi + 36]
    NL
    ; Walk the entries: count processors and I/O APICs, find the ISA bus, record routes.
    movzx ecx, word [edi + 34]
    lea esi, [edi + 44]
    mov byte [isa_bus], 0xFF
.entry:
    test ecx, ecx
    jz .walked
    movzx eax, byte [esi]
    cmp al, 0
    je .cpu
    cmp al, 1
    je .bus
    cmp al, 2
    je .ioapic
    cmp al, 3
    je .intsrc
    add esi, 8
    jmp .next
.cpu:
    inc dword [mp_cpus]
    add esi, 20
    jmp .next
.bus:
    cmp dword [esi + 2], 'ISA '
    jne .bus_done
    mov al, [esi + 1]
    mov [isa_bus], al
.bus_done:
    add esi, 8
    jmp .next
.ioapic:
    inc dword [mp_ioapics]
    mov eax, [esi + 4]
    mov [ioapic_base], eax
    add esi, 8
    jmp .next
.intsrc:
    ; Type INT from the ISA bus: route[irq] = pin (the ISA bus entry precedes the routes).
    cmp byte [esi + 1], 0
    jne .int_done
    mov al, [esi + 4]
    cmp al, [isa_bus]
    jne .int_done
    movzx eax, byte [esi + 5]
    cmp eax, 16
    jae .int_done
    mov dl, [esi + 7]
    mov [isa_route + eax], dl
.int_done:
    add esi, 8
.next:
    dec ecx
    jmp .entry
.walked:
    PUTS "mp: cpus="
    HEX8 [mp_cpus]
    PUTS " ioapics="
    HEX8 [mp_ioapics]
    PUTS " ioapic="
    HEX32 [ioapic_base]
    PUTS " irq0->pin "
    movzx eax, byte [isa_route + 0]
    HEX8 eax
    PUTS " irq1->pin "
    movzx eax, byte [isa_route + 1]
    HEX8 eax
    PUTS " irq14->pin "
    movzx eax, byte [isa_route + 14]
    HEX8 eax
    NL
    ret

; mp_scan: ESI = start, ECX = length (multiples of 16). CF clear and ESI = the structure if found.
mp_scan:
    cmp dword [esi], '_MP_'
    jne .next
    push ecx
    push esi
    mov ecx, 16
    call checksum8
    pop esi
    pop ecx
    test al, al
    jnz .next
    clc
    ret
.next:
    add esi, 16
    sub ecx, 16
    jnz mp_scan
    stc
    ret

; checksum8: AL = sum of ECX bytes at ESI (mod 256). Clobbers ECX, ESI.
checksum8:
    xor eax, eax
.loop:
    add al, [esi]
    inc esi
    dec ecx
    jnz .loop
    ret

; ---- local APIC -------------------------------------------------------------------------------
show_lapic:
    PUTS "lapic: id="
    mov eax, [LAPIC_ID]
    shr eax, 24
    HEX8 eax
    PUTS " version="
    mov eax, [LAPIC_VER]
    and eax, 0x00FF00FF
    HEX32 eax
    PUTS " svr-enable="
    mov eax, [LAPIC_SVR]
    shr eax, 8
    and eax, 1
    HEX8 eax
    PUTS " lint0="
    mov eax, [LAPIC_LINT0]
    and eax, 0x1E7FF               ; mask, trigger, remote IRR, polarity, delivery mode, vector
    HEX32 eax
    PUTS " lint1="
    mov eax, [LAPIC_LINT1]
    and eax, 0x1E7FF
    HEX32 eax
    NL
    mov dword [LAPIC_SVR], 0x1FF   ; software enable, spurious vector 0xFF
    mov dword [LAPIC_TPR], 0
    ret

; apic_timer: periodic ticks counted by the ISR, the count falling between reads, a one-shot.
apic_timer:
    mov dword [LAPIC_DIV], 0x3     ; divide by 16
    mov dword [LAPIC_LVT_TIMER], 0x20000 | VEC_PERIODIC
    mov dword [LAPIC_INIT], 20000
    mov eax, [LAPIC_CUR]
    mov ebx, [LAPIC_CUR]
    PUTS "apic-timer: count-falls="
    xor ecx, ecx
    cmp eax, 20000
    ja .bad
    cmp ebx, eax
    ja .bad
    inc ecx
.bad:
    HEX8 ecx
.wait:
    cli
    cmp dword [periodic_ticks], 5
    jae .five
    sti
    hlt
    jmp .wait
.five:
    mov dword [LAPIC_LVT_TIMER], 0x10000 | VEC_PERIODIC
    mov dword [LAPIC_INIT], 0
    PUTS " periodic-ticks>=5 stopped-count="
    HEX32 [LAPIC_CUR]
    ; One-shot: exactly one interrupt, then the count stays 0.
    mov dword [LAPIC_DIV], 0xB     ; divide by 1
    mov dword [LAPIC_LVT_TIMER], VEC_ONESHOT
    mov dword [LAPIC_INIT], 5000
.wait1:
    cli
    cmp dword [oneshot_ticks], 1
    jae .fired
    sti
    hlt
    jmp .wait1
.fired:
    ; Let a second period pass (if there were one) by spinning on the count.
    mov ecx, 20000
.spin:
    dec ecx
    jnz .spin
    PUTS " oneshot-ticks="
    HEX8 [oneshot_ticks]
    PUTS " oneshot-count="
    HEX32 [LAPIC_CUR]
    NL
    ret

isr_periodic:
    inc dword [periodic_ticks]
    mov dword [LAPIC_EOI], 0
    xor eax, eax
    ret

isr_oneshot:
    inc dword [oneshot_ticks]
    mov dword [LAPIC_EOI], 0
    xor eax, eax
    ret

isr_ide:
    inc dword [ide_irqs]
    mov dword [LAPIC_EOI], 0
    xor eax, eax
    ret

; ---- I/O APIC ----------------------------------------------------------------------------------
; ioapic_read: EAX = register ECX. ioapic_write: register ECX = EAX.
ioapic_read:
    mov edx, [ioapic_base]
    mov [edx], ecx
    mov eax, [edx + 0x10]
    ret
ioapic_write:
    mov edx, [ioapic_base]
    mov [edx], ecx
    mov [edx + 0x10], eax
    ret

setup_ioapic:
    PUTS "ioapic: max-entry="
    mov ecx, 1
    call ioapic_read
    shr eax, 16
    and eax, 0xFF
    HEX8 eax
    ; IRQ14's pin: edge, active high, fixed, physical destination APIC 0, vector VEC_IDE.
    movzx ebx, byte [isa_route + 14]
    lea ecx, [0x10 + ebx*2 + 1]
    xor eax, eax
    call ioapic_write
    lea ecx, [0x10 + ebx*2]
    mov eax, VEC_IDE
    call ioapic_write
    call ioapic_read
    PUTS " irq14-entry="
    HEX32 eax
    NL
    ret

; ---- IDE ---------------------------------------------------------------------------------------
; wait_irq: waits (interrupts on, HLT) until the IDE ISR count reaches [irq_target], then reads
; the status register (acknowledging INTRQ) into AL.
wait_irq:
    cli
    mov eax, [ide_irqs]
    cmp eax, [irq_target]
    jae .got
    sti
    hlt
    jmp wait_irq
.got:
    mov dx, ATA_CMD
    in al, dx
    ret

; issue: command AL to the selected drive, expecting an interrupt.
issue:
    inc dword [irq_target]
    mov dx, ATA_CMD
    out dx, al
    ret

; set_lba: LBA EAX, count CL, device bits (0xE0 master / 0xF0 slave) in [dev_bits].
set_lba:
    push eax
    mov dx, ATA_COUNT
    mov al, cl
    out dx, al
    pop eax
    mov dx, ATA_LBA0
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    inc dx
    out dx, al
    shr eax, 8
    and al, 0x0F
    or al, [dev_bits]
    inc dx
    out dx, al
    ret

; read_block: ECX words from the data port into [EDI].
read_block:
    mov dx, ATA_DATA
    rep insw
    ret

; sum_buf: EAX = rotate-and-add checksum of ECX dwords at ESI.
sum_buf:
    xor eax, eax
.l:
    rol eax, 5
    add eax, [esi]
    add esi, 4
    dec ecx
    jnz .l
    ret

; identify: IDENTIFY the drive [dev_bits] selects, print C/H/S, max multiple, LBA sectors.
identify:
    mov dx, ATA_DEV
    mov al, [dev_bits]
    out dx, al
    mov al, 0xEC
    call issue
    call wait_irq
    HEX8 eax
    mov edi, buf
    mov ecx, 256
    call read_block
    PUTS " chs="
    HEX16 [buf + 2]
    SP
    HEX16 [buf + 6]
    SP
    HEX16 [buf + 12]
    PUTS " max-multiple="
    movzx eax, byte [buf + 94]
    HEX8 eax
    PUTS " lba-sectors="
    HEX32 [buf + 120]
    mov dx, ATA_CMD
    in al, dx
    PUTS " after="
    HEX8 eax
    NL
    ret

; read_sectors: READ SECTORS of CL sectors at LBA EAX into buf (interrupt per sector).
read_sectors:
    movzx ebx, cl
    call set_lba
    mov al, 0x20
    mov dx, ATA_CMD
    out dx, al
    mov edi, buf
.sector:
    inc dword [irq_target]
    call wait_irq
    mov ecx, 256
    call read_block
    dec ebx
    jnz .sector
    ret

; write_sectors: WRITE SECTORS of CL sectors at LBA EAX from buf (interrupt after each sector).
write_sectors:
    movzx ebx, cl
    call set_lba
    mov al, 0x30
    mov dx, ATA_CMD
    out dx, al
    mov esi, buf
.sector:
    mov dx, ATA_CMD
.drq:
    in al, dx
    test al, 0x08
    jz .drq
    mov dx, ATA_DATA
    mov ecx, 256
    rep outsw
    inc dword [irq_target]
    call wait_irq
    dec ebx
    jnz .sector
    ret

ide_tests:
    mov dx, ATA_CTL
    xor al, al                     ; nIEN clear: interrupts on
    out dx, al
    mov byte [dev_bits], 0xE0
    PUTS "ide master: identify-status="
    call identify
    mov byte [dev_bits], 0xF0
    PUTS "ide slave: identify-status="
    call identify
    ; Master: read LBA 1..2.
    mov byte [dev_bits], 0xE0
    mov eax, 1
    mov cl, 2
    call read_sectors
    PUTS "ide read lba 1+2: first="
    HEX32 [buf]
    PUTS " sum="
    mov esi, buf
    mov ecx, 256
    call sum_buf
    HEX32 eax
    mov dx, ATA_CMD
    in al, dx
    PUTS " status="
    HEX8 eax
    NL
    ; Write LBA 70 (CHS 0/1/8 with 16 heads and 63 sectors) with a pattern, read it back by CHS.
    mov edi, buf
    mov ecx, 128
    mov eax, 0xC0DE0000
.fill:
    stosd
    inc eax
    dec ecx
    jnz .fill
    mov eax, 70
    mov cl, 1
    call write_sectors
    mov dx, ATA_CMD
    in al, dx
    PUTS "ide write lba 70: status="
    HEX8 eax
    mov edi, buf
    mov ecx, 128
    xor eax, eax
    rep stosd
    ; CHS: cylinder 0, head 1, sector 8 (device bit 6 clear).
    mov dx, ATA_COUNT
    mov al, 1
    out dx, al
    mov dx, ATA_LBA0
    mov al, 8
    out dx, al
    mov dx, ATA_LBA1
    xor al, al
    out dx, al
    mov dx, ATA_LBA2
    out dx, al
    mov dx, ATA_DEV
    mov al, 0xA1
    out dx, al
    mov al, 0x20
    call issue
    call wait_irq
    mov edi, buf
    mov ecx, 256
    call read_block
    PUTS " chs 0/1/8 reads="
    HEX32 [buf]
    SP
    HEX32 [buf + 508]
    NL
    ; SET MULTIPLE 4, WRITE MULTIPLE 8 sectors at LBA 100 on the slave, READ MULTIPLE them back.
    mov byte [dev_bits], 0xF0
    mov dx, ATA_DEV
    mov al, 0xF0
    out dx, al
    mov dx, ATA_COUNT
    mov al, 4
    out dx, al
    mov al, 0xC6
    call issue
    call wait_irq
    PUTS "ide slave set-multiple 4: status="
    HEX8 eax
    mov edi, buf
    mov ecx, 8 * 128
    mov eax, 0x51A70000
.fill2:
    stosd
    add eax, 3
    dec ecx
    jnz .fill2
    mov eax, 100
    mov cl, 8
    call set_lba
    mov al, 0xC5
    mov dx, ATA_CMD
    out dx, al
    mov esi, buf
    mov ebx, 2
.wblock:
    mov dx, ATA_CMD
.wdrq:
    in al, dx
    test al, 0x08
    jz .wdrq
    mov dx, ATA_DATA
    mov ecx, 4 * 256
    rep outsw
    inc dword [irq_target]
    call wait_irq
    dec ebx
    jnz .wblock
    PUTS " write-multiple status="
    HEX8 eax
    mov edi, buf
    mov ecx, 8 * 128
    xor eax, eax
    rep stosd
    mov eax, 100
    mov cl, 8
    call set_lba
    mov al, 0xC4
    mov dx, ATA_CMD
    out dx, al
    mov edi, buf
    mov ebx, 2
.rblock:
    inc dword [irq_target]
    call wait_irq
    mov ecx, 4 * 256
    call read_block
    dec ebx
    jnz .rblock
    PUTS " read-multiple sum="
    mov esi, buf
    mov ecx, 8 * 128
    call sum_buf
    HEX32 eax
    ; The slave's LBA 3 is untouched original data.
    mov eax, 3
    mov cl, 1
    call read_sectors
    PUTS " slave lba 3 first="
    HEX32 [buf]
    ; An address past the end aborts with IDNF.
    mov eax, [lba_end]
    mov cl, 1
    call set_lba
    mov al, 0x20
    call issue
    call wait_irq
    PUTS " past-end status="
    HEX8 eax
    mov dx, ATA_ERR
    in al, dx
    PUTS " error="
    HEX8 eax
    NL
    PUTS "ide irqs="
    HEX32 [ide_irqs]
    NL
    ret

; ---- CGA ---------------------------------------------------------------------------------------
cga_test:
    mov edi, 0xB8000
    mov esi, cga_text
    mov ah, 0x1F
.put:
    lodsb
    test al, al
    jz .placed
    stosw
    jmp .put
.placed:
    ; Cursor to row 1, column 5 (offset 85 = 0x55) through CRTC 0x0E/0x0F, then read it back.
    mov dx, 0x3D4
    mov al, 0x0E
    out dx, al
    inc dx
    xor al, al
    out dx, al
    dec dx
    mov al, 0x0F
    out dx, al
    inc dx
    mov al, 0x55
    out dx, al
    dec dx
    mov al, 0x0E
    out dx, al
    inc dx
    in al, dx
    movzx ebx, al
    shl ebx, 8
    dec dx
    mov al, 0x0F
    out dx, al
    inc dx
    in al, dx
    mov bl, al
    PUTS "cga: cursor="
    HEX16 ebx
    PUTS " text-sum="
    mov esi, 0xB8000
    mov ecx, 10
    call sum_buf
    HEX32 eax
    NL
    ret

section .rodata
cga_text: db "pc-platform: hello from CGA text", 0
lba_end: dd 2048                   ; the disks have 2048 sectors (1 MiB)

section .data
irq_target: dd 0
isa_route: times 16 db 0xFF
dev_bits: db 0xE0
isa_bus: db 0xFF

section .bss
T_ALIGNB 4
periodic_ticks: resd 1
oneshot_ticks: resd 1
ide_irqs: resd 1
mp_cpus: resd 1
mp_ioapics: resd 1
ioapic_base: resd 1
buf: resb 8 * 512
