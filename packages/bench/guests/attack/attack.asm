; attack.asm: the guest attack suite: tries to reach, corrupt or run the monitor's memory and to escape its control; the command line's last word picks the attack.
;
; Every attempt is one line: a description, then what the guest saw — values read (a read of
; memory no RAM or device backs returns all ones on our board), or the exception that stopped
; it (vector, error code, EIP relative to the attempt, CR2 for #PF). The same lines must come out
; in native, bt, hw-shadow and hw-nested mode: a monitor that leaks its memory, lets a write
; through, or hides an exception shows up as a different line. The guest assumes 64 MiB of RAM
; (the runners' default), so the monitor's memory starts at RAM_TOP in bt and hw mode.
;
; Attacks: segs user gs tc pt vmcb svm io irq desc reveal limit triple cr3 lidt starve
; (see packages/bench/README.md, "Attack suite").
%include "t-lib.inc"
%include "t-paging.inc"

%define RAM_TOP      0x04000000 ; end of guest RAM (64 MiB): where bt/hw monitor memory starts
%define MON_LIN      0xFFC00000 ; bt-vmm's monitor region (top 4 MiB of the linear space)
%define TC_LIN       0xFFC10000 ; bt-vmm's translation cache
%define MON_GDT_LIN  0xFFC02000 ; bt-vmm's host GDT
%define MON_IDT_LIN  0xFFC06000 ; bt-vmm's host IDT
%define ALIAS        0x00800000 ; guest RAM the guest maps at MON_LIN (4 MiB)
%define ANY          0xFF       ; TRY vector: any exception (a_any reports it)
%define PATTERN      0xA5A55A5A
%define GOOD         0x600DC0DE
%define SEL_BIG0     0x30       ; GDT[6]: data, base 0x400000, limit 4 GiB, DPL 0
%define SEL_BIGC0    0x38       ; GDT[7]: code, base 0x400000, limit 4 GiB, DPL 0
%define SEL_DOWN0    0x40       ; GDT[8]: expand-down data, base 0, limit 0 (offsets 1..4G-1), DPL 0
%define SEL_BIG3     0x4B       ; GDT[9]: data, base 0x400000, limit 4 GiB, DPL 3
%define SEL_SMALL0   0x50       ; GDT[10]: data, base 0x200000, limit 0xFFF, DPL 0

; 8254 counter 0, mode 2, count 2: the fastest periodic rate (596591 Hz).
%macro PIT_FASTEST 0
    mov al, 0x34
    out 0x43, al
    mov al, 2
    out 0x40, al
    xor al, al
    out 0x40, al
%endmacro

section .text
global attack_entry
; The ELF entry: keeps the multiboot info pointer (t-lib's _start clobbers EBX) and boots as every t-* guest.
attack_entry:
    mov [a_mbinfo], ebx
    jmp _start

; ---- attempt blocks -------------------------------------------------------------------------
%macro ATTEMPT 1
    TRY ANY, %1
%endmacro
%macro A_READ 2                 ; description, memory operand
    ATTEMPT %1
    mov eax, 0x0BADC0DE
    mov eax, %2
    HEX32 eax
    SP
    ENDTRY
%endmacro
%macro A_WRITE 2                ; description, memory operand: write PATTERN, read it back
    ATTEMPT %1
    mov dword %2, PATTERN
    mov eax, %2
    HEX32 eax
    SP
    ENDTRY
%endmacro
%macro A_CALL 2                 ; description, target address (the alias code returns GOOD in EAX)
    ATTEMPT %1
    xor eax, eax
    mov ebx, %2
    call ebx
    HEX32 eax
    SP
    ENDTRY
%endmacro
%macro U_TRY 3                  ; description, ring-3 routine, ESI for it: runs in ring 3 with IOPL 3
    TRY ANY, %1
    mov dword [t_base], %2
    mov esi, %3
    mov eax, %2
    mov ebx, 0x3002
    jmp t_ring3
    ENDTRY
%endmacro

; a_any: the handler of every exception vector: inside an attempt, report and resume after it.
a_any:
    cmp dword [t_expect_vec], ANY
    jne t_panic
    mov dword [t_expect_vec], -1
    call t_report
    mov eax, 1
    ret

; ---- test_main: pick the attack ------------------------------------------------------------
test_main:
    mov ecx, 0
.h: mov dword [t_handlers + ecx*4], a_any
    inc ecx
    cmp ecx, 32
    jb .h
    call t_ring3_setup
    call a_init_gdt
    call a_cmdline              ; ESI = last word of the command line
    mov edi, a_table
.find:
    mov ebx, [edi]
    test ebx, ebx
    jz .unknown
    call a_streq
    je .found
    add edi, 8
    jmp .find
.found:
    PUTS "attack "
    call t_puts
    NL
    call [edi + 4]
    PUTSL "attack done"
    ret
.unknown:
    PUTSL "unknown attack"
    mov eax, 2
    jmp t_exit

; a_streq: ZF = the zero-terminated strings at ESI and EBX are equal (ESI's may end at a space).
a_streq:
    push esi
    push ebx
    push eax
.c: mov al, [esi]
    cmp al, ' '
    jne .n
    xor al, al
.n: cmp al, [ebx]
    jne .out
    test al, al
    jz .out
    inc esi
    inc ebx
    jmp .c
.out:
    pop eax
    pop ebx
    pop esi
    ret

; a_cmdline: ESI = the last space-separated word of the multiboot command line ("" without one).
a_cmdline:
    mov esi, a_empty
    mov ebx, [a_mbinfo]
    test dword [ebx], 4
    jz .done
    mov esi, [ebx + 16]
    mov ebx, esi
.scan:
    mov al, [ebx]
    test al, al
    jz .done
    inc ebx
    cmp al, ' '
    jne .scan
    cmp byte [ebx], 0
    je .scan
    cmp byte [ebx], ' '
    je .scan
    mov esi, ebx
    jmp .scan
.done:
    ret

; a_init_gdt: the test descriptors GDT[6..10].
a_init_gdt:
    mov eax, 6
    mov ebx, 0x400000
    mov ecx, 0xFFFFF
    mov edx, 0xC092
    call t_gdt_set
    mov eax, 7
    mov edx, 0xC09A
    call t_gdt_set
    mov eax, 8
    xor ebx, ebx
    xor ecx, ecx
    mov edx, 0xC096
    call t_gdt_set
    mov eax, 9
    mov ebx, 0x400000
    mov ecx, 0xFFFFF
    mov edx, 0xC0F2
    call t_gdt_set
    mov eax, 10
    mov ebx, 0x200000
    mov ecx, 0xFFF
    mov edx, 0x4092
    call t_gdt_set
    ret

; ---- paging helpers ----------------------------------------------------------------------------
; a_alias_code: code in the alias memory where the translation cache would be: mov eax, GOOD; ret.
a_alias_code:
    mov byte [ALIAS + 0x10000], 0xB8
    mov dword [ALIAS + 0x10001], GOOD
    mov byte [ALIAS + 0x10005], 0xC3
    ret

; a_paging_on: identity map of 0-4 MiB (t-paging) and 8-12 MiB (the alias memory), nothing at MON_LIN.
a_paging_on:
    pushad
    call a_alias_code
    mov edi, a_pt_id8
    mov eax, ALIAS | T_PTE_ALL
    mov ecx, 1024
.p: stosd
    add eax, 4096
    loop .p
    call t_paging_on
    mov dword [t_pd + 2*4], a_pt_id8 + T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    popad
    ret

; a_map_hi: MON_LIN..4G -> ALIAS with PTE flags EBX (PDE: P RW US).
a_map_hi:
    pushad
    mov edi, a_pt_hi
    mov eax, ALIAS
    or eax, ebx
    mov ecx, 1024
.p: stosd
    add eax, 4096
    loop .p
    mov dword [t_pd + 1023*4], a_pt_hi + T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    popad
    ret

; a_paging_off: paging off, PDE 1023 cleared.
a_paging_off:
    call t_paging_off
    mov dword [t_pd + 1023*4], 0
    ret

; ---- segs: the monitor region through every segment register, supervisor ------------------
; a_sweep: exec, reads and writes of the monitor region and the top of the address space through DS ES FS GS SS CS.
a_sweep:
    A_CALL "call tc", TC_LIN
    A_READ "rd ds:mon", [ds:MON_LIN]
    A_READ "rd es:mon", [es:MON_LIN]
    A_READ "rd fs:mon", [fs:MON_LIN]
    A_READ "rd gs:mon", [gs:MON_LIN]
    A_READ "rd ss:mon", [ss:MON_LIN]
    A_READ "rd cs:mon", [cs:MON_LIN]
    A_READ "rd ds:gdt", [ds:MON_GDT_LIN]
    A_READ "rd ds:tc", [ds:TC_LIN]
    A_READ "rd ds:top", [ds:0xFFFFFFF0]
    A_READ "rd ds:wrap", [ds:0xFFFFFFFE]
    A_READ "rd ss:wrap", [ss:0xFFFFFFFE]
    A_WRITE "wr ds:mon", [ds:MON_LIN]
    A_WRITE "wr es:mon+4", [es:MON_LIN + 4]
    A_WRITE "wr fs:mon+8", [fs:MON_LIN + 8]
    A_WRITE "wr gs:mon+0x10", [gs:MON_LIN + 0x10]
    A_WRITE "wr ss:mon+0x18", [ss:MON_LIN + 0x18]
    A_WRITE "wr cs:mon", [cs:MON_LIN]
    A_WRITE "wr ds:gdt", [ds:MON_GDT_LIN + 2040*8]
    A_WRITE "wr ds:idt", [ds:MON_IDT_LIN]
    A_WRITE "wr ds:tc", [ds:TC_LIN]
    A_WRITE "wr ds:top", [ds:0xFFFFFFF0]
    ATTEMPT "rep stosd ds:mon"
    mov edi, MON_LIN + 0x20
    mov ecx, 64
    mov eax, PATTERN
    rep stosd
    mov eax, [MON_LIN + 0x20]
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "rep movsd mon->ram"
    mov esi, MON_LIN + 0x1000
    mov edi, 0x200000
    mov ecx, 16
    rep movsd
    HEX32 [0x200000]
    SP
    ENDTRY
    ret

; a_push_mon: the stack in the monitor region (only where the push cannot fault: a #PF there would triple-fault).
a_push_mon:
    ATTEMPT "push via esp=mon"
    mov ebx, esp
    mov esp, MON_LIN + 0x100
    push dword PATTERN
    pop eax
    mov esp, ebx
    HEX32 eax
    SP
    ENDTRY
    ret

a_segs:
    PUTSL "-- paging off"
    call a_sweep
    call a_push_mon
    call a_paging_on
    PUTSL "-- paging on, nothing mapped there"
    call a_sweep
    mov ebx, T_PTE_ALL
    call a_map_hi
    PUTSL "-- paging on, guest RAM mapped there"
    call a_alias_code
    call a_sweep
    call a_push_mon
    PUTS "alias memory: "
    HEX32 [ALIAS]
    SP
    HEX32 [ALIAS + 0x10000]
    SP
    HEX32 [ALIAS + 0x20]
    NL
    call a_paging_off
    ret

; ---- user: the monitor region from ring 3 ---------------------------------------------------
u_read:
    mov eax, [esi]
    HEX32 eax
    SP
    T_RING3_END
u_write:
    mov dword [esi], PATTERN
    mov eax, [esi]
    HEX32 eax
    SP
    T_RING3_END
u_exec:
    xor eax, eax
    call esi
    HEX32 eax
    SP
    T_RING3_END
u_read_gs:
    mov eax, [gs:esi]
    HEX32 eax
    SP
    T_RING3_END
u_read_big:
    mov ax, SEL_BIG3
    mov fs, ax
    mov eax, [fs:esi]
    HEX32 eax
    SP
    T_RING3_END
u_gs_null:
    xor eax, eax
    mov gs, ax
    mov eax, [gs:esi]
    HEX32 eax
    SP
    T_RING3_END

a_user_sweep:
    U_TRY "u exec tc", u_exec, TC_LIN
    U_TRY "u rd mon", u_read, MON_LIN
    U_TRY "u rd gdt", u_read, MON_GDT_LIN
    U_TRY "u rd tc", u_read, TC_LIN
    U_TRY "u rd top", u_read, 0xFFFFFFF0
    U_TRY "u rd gs:mon", u_read_gs, MON_LIN
    U_TRY "u rd big:mon", u_read_big, MON_LIN - 0x400000
    U_TRY "u gs=0 rd", u_gs_null, 0x200000
    U_TRY "u wr mon", u_write, MON_LIN
    U_TRY "u wr gdt", u_write, MON_GDT_LIN + 2040*8
    U_TRY "u wr tc", u_write, TC_LIN
    U_TRY "u wr top", u_write, 0xFFFFFFF0
    ret

a_user:
    PUTSL "-- paging off"
    call a_user_sweep
    call a_paging_on
    PUTSL "-- paging on, nothing mapped there"
    call a_user_sweep
    mov ebx, T_PTE_P | T_PTE_RW
    call a_map_hi
    PUTSL "-- paging on, guest RAM mapped there, supervisor"
    call a_user_sweep
    mov ebx, T_PTE_ALL
    call a_map_hi
    call a_alias_code
    PUTSL "-- paging on, guest RAM mapped there, user"
    call a_user_sweep
    call a_paging_off
    ret

; ---- gs: games with %gs ---------------------------------------------------------------------
a_gs:
    ATTEMPT "mov ax,gs"
    mov eax, 0x12345678
    mov ax, gs
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "push gs"
    push gs
    pop eax
    HEX32 eax
    SP
    ENDTRY
    mov dword [0x200000], 0x11112222
    mov dword [0x200ffc], 0x33334444
    A_READ "rd gs:ram", [gs:0x200000]
    A_WRITE "wr gs:ram", [gs:0x200004]
    A_READ "rd gs:0x18", [gs:0x18]
    ATTEMPT "gs=small rd"
    mov ax, SEL_SMALL0
    mov gs, ax
    mov eax, [gs:0]
    HEX32 eax
    SP
    mov eax, [gs:0xFFC]
    HEX32 eax
    SP
    mov ax, gs
    HEX16 eax
    SP
    ENDTRY
    A_READ "gs=small rd over limit", [gs:0xFFE]
    A_WRITE "gs=small wr", [gs:8]
    A_READ "gs=small rd mon", [gs:MON_LIN]
    ATTEMPT "gs=small rep movsb"
    mov esi, 0
    mov edi, 0x200100
    mov ecx, 16
    gs rep movsb
    HEX32 [0x200100]
    SP
    ENDTRY
    ATTEMPT "lgs"
    mov dword [0x200020], 0x1000
    mov word [0x200024], SEL_SMALL0
    lgs ebx, [0x200020]
    HEX32 ebx
    SP
    mov ax, gs
    HEX16 eax
    SP
    ENDTRY
    ATTEMPT "gs=0"
    xor eax, eax
    mov gs, ax
    mov ax, gs
    HEX16 eax
    SP
    ENDTRY
    A_READ "gs=0 rd", [gs:0]
    A_WRITE "gs=0 wr", [gs:0x18]
    ATTEMPT "gs=0 push/pop"
    push gs
    pop gs
    mov eax, 0xFFFFFFFF
    mov ax, gs
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "gs=bad selector"
    mov ax, 0x7FF8
    mov gs, ax
    ENDTRY
    ATTEMPT "gs=tss selector"
    mov ax, SEL_TSS
    mov gs, ax
    ENDTRY
    ATTEMPT "gs=monitor data selector"
    mov ax, (2041 << 3) | 1
    mov gs, ax
    ENDTRY
    ATTEMPT "gs=monitor code selector"
    mov ax, (2040 << 3) | 1
    mov gs, ax
    ENDTRY
    ATTEMPT "gs=flat again"
    mov ax, SEL_DATA0
    mov gs, ax
    mov eax, [gs:0x200000]
    HEX32 eax
    SP
    ENDTRY
    U_TRY "u gs rd", u_read_gs, 0x200000
    U_TRY "u gs=0 rd", u_gs_null, 0x200000
    ATTEMPT "gs after ring 3"
    mov ax, gs
    HEX16 eax
    SP
    ENDTRY
    ret

a_ret_good:
    mov eax, GOOD
    ret

; ---- tc: jumps and calls into the translation cache -----------------------------------------
a_tc_sweep:
    A_CALL "call tc", TC_LIN
    A_CALL "call tc+0x1234", TC_LIN + 0x1234
    A_CALL "call tc host-physical", RAM_TOP + 0x10000
    ATTEMPT "call [mem] tc"
    mov dword [0x200000], TC_LIN
    xor eax, eax
    call [0x200000]
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "push+ret tc"
    xor eax, eax
    push dword .back
    push dword TC_LIN
    ret
.back:
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "jmp far tc"
    jmp SEL_CODE0:TC_LIN
    ENDTRY
    ATTEMPT "iret tc"
    pushfd
    push dword SEL_CODE0
    push dword TC_LIN
    iretd
    ENDTRY
    ATTEMPT "int gate tc"
    mov eax, 0x41
    mov ebx, TC_LIN
    mov ecx, 0x8E
    xor edx, edx
    call t_idt_set
    int 0x41
    ENDTRY
    ATTEMPT "jmp tc-1 (runs into it)"
    mov ebx, TC_LIN - 1
    mov byte [0x200000], 0x90
    jmp ebx
    ENDTRY
    ret

a_tc:
    PUTSL "-- paging off"
    call a_tc_sweep
    call a_paging_on
    PUTSL "-- paging on, nothing mapped there"
    call a_tc_sweep
    mov ebx, T_PTE_ALL
    call a_map_hi
    call a_alias_code
    PUTSL "-- paging on, guest RAM mapped there"
    A_CALL "call tc", TC_LIN
    ATTEMPT "call [mem] tc"
    mov dword [0x200000], TC_LIN
    xor eax, eax
    call [0x200000]
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "push+ret tc"
    xor eax, eax
    push dword .back
    push dword TC_LIN
    ret
.back:
    HEX32 eax
    SP
    ENDTRY
    ; Self-modifying code at the monitor's addresses: the guest rewrites what runs there.
    ATTEMPT "rewrite code at tc"
    mov dword [TC_LIN + 1], 0x0BADBEEF
    xor eax, eax
    mov ebx, TC_LIN
    call ebx
    HEX32 eax
    SP
    ENDTRY
    call a_paging_off
    mov eax, 0x41               ; the gate back to its stub
    xor ebx, ebx
    mov ecx, 0x8E
    xor edx, edx
    call t_idt_set
    ret

; ---- pt: page tables that point outside guest RAM ---------------------------------------
%macro PT_PROBE 2               ; description, physical page
    mov eax, 0x3F0000
    mov ebx, %2 | T_PTE_ALL
    call t_pte_set
%strcat A_D1 "rd ", %1
%strcat A_D2 "wr ", %1
%strcat A_D3 "rd again ", %1
    A_READ A_D1, [0x3F0000]
    A_WRITE A_D2, [0x3F0010]
    A_READ A_D3, [0x3F0000]
%endmacro

a_pt:
    call a_paging_on
    PT_PROBE "ram top (vmcb / bt region)", RAM_TOP
    PT_PROBE "step vmcb", RAM_TOP + 0x1000
    PT_PROBE "hsave", RAM_TOP + 0x2000
    PT_PROBE "iopm", RAM_TOP + 0x3000
    PT_PROBE "msrpm", RAM_TOP + 0x9000
    PT_PROBE "bt tc", RAM_TOP + 0x10000
    PT_PROBE "bt page table", RAM_TOP + 0x400000
    PT_PROBE "monitor end", RAM_TOP + 0x7FF000
    PT_PROBE "256 MiB", 0x10000000
    PT_PROBE "4G-4K", 0xFFFFF000
    mov eax, 0x3F0000
    mov ebx, (RAM_TOP + 0x10000) | T_PTE_ALL
    call t_pte_set
    A_CALL "exec bt tc", 0x3F0000
    ATTEMPT "rep stosd across ram top"
    mov eax, 0x3F0000
    mov ebx, (RAM_TOP - 0x1000) | T_PTE_ALL
    call t_pte_set
    mov eax, 0x3F1000
    mov ebx, RAM_TOP | T_PTE_ALL
    call t_pte_set
    mov edi, 0x3F0F00
    mov ecx, 0x100
    mov eax, PATTERN
    rep stosd
    HEX32 [0x3F0FFC]
    SP
    HEX32 [0x3F1000]
    SP
    ENDTRY
    ATTEMPT "split dword across ram top"
    mov dword [0x3F0FFE], 0x77665544
    HEX32 [0x3F0FFC]
    SP
    HEX32 [0x3F0FFE]
    SP
    ENDTRY
    mov eax, 0x3F0000
    xor ebx, ebx
    call t_pte_set
    mov eax, 0x3F1000
    call t_pte_set
    ; A page table outside RAM: the walk reads all ones (present, writable, user, frame 0xFFFFF000).
    mov dword [t_pd + 1*4], RAM_TOP | T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    A_READ "pde->table at ram top: rd", [0x400000]
    A_WRITE "pde->table at ram top: wr", [0x400010]
    A_CALL "pde->table at ram top: exec", 0x400000
    mov dword [t_pd + 1*4], (RAM_TOP + 0x400000) | T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    A_READ "pde->bt page table: rd", [0x400000]
    A_WRITE "pde->bt page table: wr", [0x400010]
    ; 4 MiB pages onto the monitor's memory.
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov dword [t_pd + 1*4], RAM_TOP | T_PTE_ALL | T_PTE_PS
    mov eax, cr3
    mov cr3, eax
    A_READ "4M page at ram top: rd", [0x400000]
    A_WRITE "4M page at ram top: wr", [0x400010]
    A_READ "4M page at ram top: rd tc", [0x410000]
    mov dword [t_pd + 1023*4], RAM_TOP | T_PTE_ALL | T_PTE_PS
    mov eax, cr3
    mov cr3, eax
    A_READ "4M page mon->ram top: rd", [MON_LIN]
    A_WRITE "4M page mon->ram top: wr", [MON_LIN + 0x10]
    A_CALL "4M page mon->ram top: exec tc", TC_LIN
    mov dword [t_pd + 1*4], 0
    mov eax, cr4
    and eax, ~0x10
    mov cr4, eax
    call a_paging_off
    ATTEMPT "pte A/D after"
    mov eax, [t_pt0 + (0x3F0000 >> 12) * 4]
    HEX32 eax
    SP
    ENDTRY
    ret

; ---- vmcb: writes where the VMCB, IOPM, MSRPM and host save area would be ------------------
%macro PHYS_POKE 2              ; description, physical address (paging off)
%strcat A_D1 "wr ", %1
    A_WRITE A_D1, [%2]
%endmacro

a_vmcb:
    PHYS_POKE "vmcb intercept cr", RAM_TOP + 0x000
    PHYS_POKE "vmcb intercept misc1", RAM_TOP + 0x00C
    PHYS_POKE "vmcb intercept misc2", RAM_TOP + 0x010
    PHYS_POKE "vmcb iopm base", RAM_TOP + 0x040
    PHYS_POKE "vmcb msrpm base", RAM_TOP + 0x048
    PHYS_POKE "vmcb asid", RAM_TOP + 0x058
    PHYS_POKE "vmcb np enable", RAM_TOP + 0x090
    PHYS_POKE "vmcb n_cr3", RAM_TOP + 0x0B0
    PHYS_POKE "vmcb save cr3", RAM_TOP + 0x4B0
    PHYS_POKE "step vmcb", RAM_TOP + 0x100C
    PHYS_POKE "hsave", RAM_TOP + 0x2000
    PHYS_POKE "iopm ports 0x80", RAM_TOP + 0x3010
    PHYS_POKE "iopm ports 0xf4", RAM_TOP + 0x301C
    PHYS_POKE "msrpm", RAM_TOP + 0x9000
    PHYS_POKE "nested tables", RAM_TOP + 0xB000
    PHYS_POKE "bt data page", RAM_TOP + 0x0
    PHYS_POKE "bt gdt", RAM_TOP + 0x2000 + 2040*8
    PHYS_POKE "bt tc", RAM_TOP + 0x10000
    PHYS_POKE "bt page table", RAM_TOP + 0x400000
    ATTEMPT "rep stosd across ram top"
    mov edi, RAM_TOP - 0x100
    mov ecx, 0x4000
    mov eax, PATTERN
    rep stosd
    HEX32 [RAM_TOP - 4]
    SP
    HEX32 [RAM_TOP]
    SP
    HEX32 [RAM_TOP + 0xFF00]
    SP
    ENDTRY
    ATTEMPT "rep movsd ram->monitor"
    mov esi, 0x100000
    mov edi, RAM_TOP
    mov ecx, 0x4000
    rep movsd
    HEX32 [RAM_TOP]
    SP
    ENDTRY
    ; The intercepts still hold: port I/O and MSRs behave as before.
    ATTEMPT "in 0x80 after"
    in al, 0x80
    HEX8 eax
    SP
    ENDTRY
    ATTEMPT "rdmsr sysenter_cs after"
    mov ecx, 0x174
    rdmsr
    HEX32 eax
    SP
    ENDTRY
    ret

; ---- svm: the SVM instructions from the guest ---------------------------------------------
%macro SVM_INSN 2               ; description, opcode byte after 0F 01
    ATTEMPT %1
    mov eax, RAM_TOP
    xor ecx, ecx
    db 0x0F, 0x01, %2
    PUTS "ran "
    ENDTRY
%endmacro
%macro SVM_ALL 0
    SVM_INSN "vmrun", 0xD8
    SVM_INSN "vmmcall", 0xD9
    SVM_INSN "vmload", 0xDA
    SVM_INSN "vmsave", 0xDB
    SVM_INSN "stgi", 0xDC
    SVM_INSN "clgi", 0xDD
    SVM_INSN "skinit", 0xDE
    SVM_INSN "invlpga", 0xDF
%endmacro
%macro U_SVM 1                  ; ring-3 routine running one SVM instruction
u_svm_%1:
    mov eax, RAM_TOP
    xor ecx, ecx
    db 0x0F, 0x01, %1
    PUTS "ran "
    T_RING3_END
%endmacro
U_SVM 0xD8
U_SVM 0xD9
U_SVM 0xDA
U_SVM 0xDC

a_svm:
    ATTEMPT "cpuid 80000001 ecx.svm"
    mov eax, 0x80000001
    cpuid
    and ecx, 4
    HEX32 ecx
    SP
    ENDTRY
    PUTSL "-- EFER.SVME=0"
    SVM_ALL
    ATTEMPT "set EFER.SVME"
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x1000
    wrmsr
    rdmsr
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "VM_HSAVE_PA = monitor hsave"
    mov ecx, 0xC0010117
    mov eax, RAM_TOP + 0x2000
    xor edx, edx
    wrmsr
    rdmsr
    HEX32 eax
    SP
    ENDTRY
    PUTSL "-- after setting EFER.SVME"
    SVM_ALL
    PUTSL "-- ring 3"
    U_TRY "u vmrun", u_svm_0xD8, 0
    U_TRY "u vmmcall", u_svm_0xD9, 0
    U_TRY "u vmload", u_svm_0xDA, 0
    U_TRY "u stgi", u_svm_0xDC, 0
    ATTEMPT "clear EFER.SVME"
    mov ecx, 0xC0000080
    rdmsr
    and eax, ~0x1000
    wrmsr
    rdmsr
    HEX32 eax
    SP
    ENDTRY
    ret

; ---- io: floods of port I/O -----------------------------------------------------------------
; a_port_skip: ZF = port DX is one of those the flood leaves alone (their state or value depends on time, or they stop the run).
a_port_skip:
    push esi
    mov esi, a_skip_ranges
.r: cmp word [esi], 0xFFFF
    je .no
    cmp dx, [esi]
    jb .n
    cmp dx, [esi + 2]
    jbe .yes
.n: add esi, 4
    jmp .r
.yes:
    cmp eax, eax                ; ZF=1
    pop esi
    ret
.no:
    or esi, esi                 ; ZF=0 (ESI is not 0)
    pop esi
    ret

a_io:
    ATTEMPT "rep outsb 64K to port 0x80"
    mov esi, 0x100000
    mov dx, 0x80
    mov ecx, 0x10000
    rep outsb
    HEX32 ecx
    SP
    ENDTRY
    ATTEMPT "rep insd 16K from unclaimed 0x1234"
    mov edi, 0x200000
    mov dx, 0x1234
    mov ecx, 0x4000
    rep insd
    mov esi, 0x200000
    mov ecx, 0x4000
    xor ebx, ebx
.sum:
    add ebx, [esi]
    add esi, 4
    loop .sum
    HEX32 ebx
    SP
    ENDTRY
    ATTEMPT "in from every port"
    xor edx, edx
    xor ebx, ebx
    xor edi, edi
.in:
    call a_port_skip
    je .inskip
    in al, dx
    movzx eax, al
    add ebx, eax
    inc edi
.inskip:
    inc dx
    jnz .in
    HEX32 ebx
    SP
    HEX32 edi
    SP
    ENDTRY
    ATTEMPT "out 0 to every port"
    xor edx, edx
    xor edi, edi
.out:
    call a_port_skip
    je .outskip
    xor eax, eax
    out dx, al
    inc edi
.outskip:
    inc dx
    jnz .out
    HEX32 edi
    SP
    ENDTRY
    ATTEMPT "out dword to 0xfffe"
    mov dx, 0xFFFE
    mov eax, PATTERN
    out dx, eax
    in eax, dx
    HEX32 eax
    SP
    ENDTRY
    U_TRY "u out without iopl", u_out, 0
    ret

u_out:
    pushfd
    and dword [esp], ~0x3000
    popfd
    mov dx, 0x80
    out dx, al
    PUTS "ran "
    T_RING3_END

; ---- irq: an interrupt storm ------------------------------------------------------------------
a_tick:
    inc dword [a_ticks]
    cmp dword [a_eoi], 0
    je .n
    mov al, 0x20
    out PIC1_CMD, al
.n: xor eax, eax
    ret

u_spin:
.w: cmp dword [a_ticks], 3000
    jb .w
    PUTS "ring 3 saw 3000 ticks "
    T_RING3_END

a_irq:
    mov dword [t_handlers + 0x20*4], a_tick
    mov dword [a_eoi], 1
    PIT_FASTEST
    mov al, 0xFE
    out PIC1_DATA, al
    ATTEMPT "storm, sti;hlt until 2000 ticks"
    sti
.w: hlt
    cmp dword [a_ticks], 2000
    jb .w
    cli
    PUTS "2000 ticks "
    ENDTRY
    ATTEMPT "storm, busy loop until 2500 ticks"
    sti
.b: cmp dword [a_ticks], 2500
    jb .b
    cli
    PUTS "2500 ticks "
    ENDTRY
    U_TRY "storm in ring 3", u_spin_if, 0
    ATTEMPT "no EOI: one more tick at most"
    mov dword [a_eoi], 0
    mov dword [a_ticks], 0
    sti
    mov ecx, 200000
.l: loop .l
    cli
    HEX32 [a_ticks]
    SP
    ENDTRY
    ATTEMPT "EOI again"
    mov al, 0x20
    out PIC1_CMD, al
    mov dword [a_eoi], 1
    mov al, 0xFF
    out PIC1_DATA, al
    PUTS "masked "
    ENDTRY
    ret

u_spin_if:
    sti                         ; IOPL 3: allowed
    jmp u_spin

; ---- desc: lgdt / lidt pointing at the monitor's memory --------------------------------------
a_reload_segs:
    lgdt [cs:t_gdtr]
    jmp SEL_CODE0:.cs
.cs:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    ret

a_desc:
    ; Guest RAM mapped at the monitor's addresses: the guest's own GDT and IDT copies work there.
    call a_paging_on
    mov ebx, T_PTE_ALL
    call a_map_hi
    mov esi, t_gdt
    mov edi, ALIAS + 0x2000
    mov ecx, T_GDT_COUNT * 2
    rep movsd
    mov esi, t_idt
    mov edi, ALIAS + 0x6000
    mov ecx, 512
    rep movsd
    ATTEMPT "lgdt at mon gdt (alias)"
    mov word [a_dtr + 2], T_GDT_COUNT * 8 - 1
    mov dword [a_dtr + 4], MON_GDT_LIN
    lgdt [a_dtr + 2]
    jmp SEL_CODE0:.cs1
.cs1:
    mov ax, SEL_DATA0
    mov ds, ax
    mov ss, ax
    sgdt [0x200000]
    HEX16 [0x200000]
    SP
    HEX32 [0x200002]
    SP
    ENDTRY
    ATTEMPT "lidt at mon idt (alias), int3"
    mov word [a_dtr + 2], 256 * 8 - 1
    mov dword [a_dtr + 4], MON_IDT_LIN
    lidt [a_dtr + 2]
    int3
    ENDTRY
    lidt [t_idtr]
    call a_reload_segs
    call a_paging_off
    ; No paging: the monitor's addresses are beyond RAM (all ones).
    ATTEMPT "lgdt at mon gdt, load ds"
    mov word [a_dtr + 2], 0xFFFF
    mov dword [a_dtr + 4], MON_GDT_LIN
    lgdt [a_dtr + 2]
    mov ax, SEL_DATA0
    mov ds, ax
    mov ebx, [ds:0x200000]
    call a_reload_segs
    HEX32 ebx
    SP
    ENDTRY
    call a_reload_segs
    ATTEMPT "lgdt at bt gdt host-physical, load es"
    mov word [a_dtr + 2], 0xFFFF
    mov dword [a_dtr + 4], RAM_TOP + 0x2000
    lgdt [a_dtr + 2]
    mov ax, (2041 << 3)
    mov es, ax
    mov ebx, [es:0]
    call a_reload_segs
    HEX32 ebx
    SP
    ENDTRY
    call a_reload_segs
    ATTEMPT "far call monitor code selector"
    call (2040 << 3):TC_LIN
    ENDTRY
    ATTEMPT "lldt pointing at monitor"
    mov eax, 11
    mov ebx, MON_LIN
    mov ecx, 0xFFFF
    mov edx, 0x0082
    call t_gdt_set
    mov ax, 11 << 3
    lldt ax
    mov ax, 0x0C                ; LDT selector 1, RPL 0
    mov fs, ax
    mov eax, [fs:0]
    HEX32 eax
    SP
    ENDTRY
    xor eax, eax
    lldt ax
    call a_reload_segs
    ret

; ---- reveal: instructions that show where the system tables are -----------------------------
u_reveal:
    sgdt [0x200100]
    sidt [0x200108]
    sldt [0x200110]
    str [0x200112]
    smsw [0x200114]
    HEX16 [0x200100]
    SP
    HEX32 [0x200102]
    SP
    HEX16 [0x200108]
    SP
    HEX32 [0x20010A]
    SP
    HEX16 [0x200110]
    SP
    HEX16 [0x200112]
    SP
    HEX16 [0x200114]
    SP
    T_RING3_END

a_reveal:
    ATTEMPT "sgdt sidt sldt str smsw"
    sgdt [0x200000]
    sidt [0x200008]
    sldt [0x200010]
    str [0x200012]
    smsw [0x200014]
    HEX16 [0x200000]
    SP
    HEX32 [0x200002]
    SP
    HEX16 [0x200008]
    SP
    HEX32 [0x20000A]
    SP
    HEX16 [0x200010]
    SP
    HEX16 [0x200012]
    SP
    HEX16 [0x200014]
    SP
    ENDTRY
    U_TRY "u sgdt sidt sldt str smsw", u_reveal, 0
    ATTEMPT "mov ax,cs / ss"
    xor eax, eax
    mov ax, cs
    HEX16 eax
    SP
    mov ax, ss
    HEX16 eax
    SP
    pushfd
    pop eax
    and eax, 0x3200
    HEX32 eax
    SP
    ENDTRY
    ret

; ---- limit: descriptors with huge limits (wrapping onto the monitor's addresses) ------------
a_limit_sweep:
    ATTEMPT "big ds: rd mon (wraps)"
    mov ax, SEL_BIG0
    mov ds, ax
    mov eax, [ds:MON_LIN - 0x400000]
    mov bx, SEL_DATA0
    mov ds, bx
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "big ds: wr tc (wraps)"
    mov ax, SEL_BIG0
    mov ds, ax
    mov dword [ds:TC_LIN - 0x400000 + 0x40], PATTERN
    mov eax, [ds:TC_LIN - 0x400000 + 0x40]
    mov bx, SEL_DATA0
    mov ds, bx
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "big ds: rd past 4G (wraps to 0)"
    mov ax, SEL_BIG0
    mov ds, ax
    mov eax, [ds:0xFFC00000 + 0x200000]
    mov bx, SEL_DATA0
    mov ds, bx
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "expand-down es: rd mon"
    mov ax, SEL_DOWN0
    mov es, ax
    mov eax, [es:MON_LIN]
    mov bx, SEL_DATA0
    mov es, bx
    HEX32 eax
    SP
    ENDTRY
    ATTEMPT "expand-down es: rd 0 (below its range)"
    mov ax, SEL_DOWN0
    mov es, ax
    mov eax, [es:0]
    HEX32 eax
    SP
    ENDTRY
    mov ax, SEL_DATA0
    mov es, ax
    ATTEMPT "big cs: far call tc (wraps)"
    xor eax, eax
    call SEL_BIGC0:(TC_LIN - 0x400000)
    HEX32 eax
    SP
    ENDTRY
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    U_TRY "u big fs: rd mon (wraps)", u_read_big, MON_LIN - 0x400000
    U_TRY "u big fs: rd tc (wraps)", u_read_big, TC_LIN - 0x400000
    ret

; a_limit_push: a stack segment whose offsets wrap onto the monitor region (only where a push cannot fault).
a_limit_push:
    ATTEMPT "big ss: push at mon (wraps)"
    mov ebx, esp
    mov ax, SEL_BIG0
    mov ss, ax
    mov esp, MON_LIN - 0x400000 + 0x100
    push dword PATTERN
    pop eax
    mov cx, SEL_DATA0
    mov ss, cx
    mov esp, ebx
    HEX32 eax
    SP
    ENDTRY
    mov cx, SEL_DATA0
    mov ss, cx
    ret

a_limit:
    PUTSL "-- paging off"
    call a_limit_sweep
    call a_limit_push
    call a_paging_on
    PUTSL "-- paging on, nothing mapped there"
    call a_limit_sweep
    mov ebx, T_PTE_ALL
    call a_map_hi
    call a_alias_code
    mov byte [ALIAS + 0x10006], 0xCB ; retf for the far call
    mov byte [ALIAS + 0x10005], 0xCB
    PUTSL "-- paging on, guest RAM mapped there"
    call a_limit_sweep
    call a_limit_push
    call a_paging_off
    ret

; ---- runs that end in a shutdown --------------------------------------------------------------
a_triple:
    PUTSL "lidt limit 0, int3: triple fault next"
    lidt [a_zero_dtr]
    int3
    PUTSL "still running"
    ret

a_cr3:
    PUTSL "cr3 at ram top (the monitor's memory), paging on: triple fault next"
    mov eax, RAM_TOP
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    PUTSL "still running"
    ret

a_lidt:
    PUTSL "lidt at the monitor's idt (beyond RAM), int3: triple fault next"
    mov word [a_dtr + 2], 0x7FF
    mov dword [a_dtr + 4], MON_IDT_LIN
    lidt [a_dtr + 2]
    int3
    PUTSL "still running"
    ret

; ---- starve: HLT while the timer keeps firing into masked interrupt lines ----------------------
; Nothing can ever wake the processor, yet device deadlines keep coming: the run must end as hung
; (MAX_HALT_DEADLINES), not spin the host.
a_starve:
    PUTSL "PIT at its fastest rate, both 8259As masked, sti; hlt: hung next"
    PIT_FASTEST
    mov al, 0xFF
    out PIC1_DATA, al
    out PIC2_DATA, al
    sti
    hlt
    PUTSL "still running"
    ret

section .rodata
a_empty: db 0
%macro NAME 2
[section .rodata]
%%s: db %1, 0
[section .data]
    dd %%s, %2
%endmacro
section .data
align 4
a_table:
NAME "segs", a_segs
NAME "user", a_user
NAME "gs", a_gs
NAME "tc", a_tc
NAME "pt", a_pt
NAME "vmcb", a_vmcb
NAME "svm", a_svm
NAME "io", a_io
NAME "irq", a_irq
NAME "desc", a_desc
NAME "reveal", a_reveal
NAME "limit", a_limit
NAME "triple", a_triple
NAME "cr3", a_cr3
NAME "lidt", a_lidt
NAME "starve", a_starve
    dd 0, 0
; Ports the flood leaves alone (first, last): PIC, PIT, 8042, port 0x61, RTC, exit, COM1, ELCR.
a_skip_ranges:
    dw 0x0020, 0x0021
    dw 0x0040, 0x0043
    dw 0x0060, 0x0064
    dw 0x0070, 0x0071
    dw 0x00A0, 0x00A1
    dw 0x00F4, 0x00F7
    dw 0x03F8, 0x03FF
    dw 0x04D0, 0x04D1
    dw 0xFFFF, 0                ; end
align 4
a_mbinfo: dd 0
a_ticks: dd 0
a_eoi: dd 0
a_dtr: dw 0, 0
       dd 0
a_zero_dtr: dw 0
       dd 0

section .bss
T_ALIGNB 4096
a_pt_hi:  resb 4096
a_pt_id8: resb 4096
