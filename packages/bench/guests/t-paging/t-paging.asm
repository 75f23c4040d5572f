; t-paging.asm: 2-level paging: 4 KiB and 4 MiB pages, accessed/dirty bits read back from the tables, #PF error codes and CR2, CR0.WP, user/supervisor, invlpg, global pages.
;
; Linear 0x40000000-0x4000FFFF maps, through page table pt_test, the physical pages
; 0x300000-0x30FFFF (each page starts with the dword 0x5A000000 + page number); linear
; 0x80000000 is one 4 MiB page at physical 0x400000. The code and data stay identity-mapped
; (t-paging.inc). TLB contents are never observed where the SDM leaves them open: a PTE is
; changed only together with invlpg, a CR3 load or a CR4.PGE toggle, and a global page is not
; read through a stale entry across a CR3 load (keeping it is allowed, not required).
%include "t-lib.inc"
%include "t-paging.inc"

%define LIN      0x40000000
%define PHYS     0x300000
%define BIG_LIN  0x80000000
%define BIG_PHYS 0x400000
%define CR0_WP   0x00010000
%define CR4_PSE  0x10
%define CR4_PGE  0x80

section .text
; map: pt_test[EAX] = PHYS + EBX*4 KiB | ECX (flags); invlpg.
map:
    push edx
    mov edx, ebx
    shl edx, 12
    add edx, PHYS
    or edx, ecx
    mov [pt_test + eax*4], edx
    shl eax, 12
    add eax, LIN
    invlpg [eax]
    pop edx
    ret

; show_ad: prints " pde=<A D> pte=<A D>" for the PDE of LIN and pt_test[EAX].
show_ad:
    push eax
    PUTS " pde.a="
    mov ebx, [t_pd + (LIN >> 22) * 4]
    shr ebx, 5
    and ebx, 1
    HEX8 ebx
    PUTS " pte.a="
    mov ebx, [pt_test + eax*4]
    shr ebx, 5
    and ebx, 1
    HEX8 ebx
    PUTS " pte.d="
    mov ebx, [pt_test + eax*4]
    shr ebx, 6
    and ebx, 1
    HEX8 ebx
    NL
    pop eax
    ret

; ring-3 probes: one access each, then back to ring 0
r3_read0:
    mov eax, [LIN]
    T_RING3_END
r3_write0:
    mov dword [LIN], 0x33
    T_RING3_END
r3_read1:
    mov eax, [LIN + 0x1000]
    T_RING3_END
r3_write1:
    mov dword [LIN + 0x1000], 0x33
    T_RING3_END
r3_read2:
    mov eax, [LIN + 0x2000]
    T_RING3_END
r3_write3:
    mov dword [LIN + 0x3004], 0x33
    T_RING3_END
r3_read4:
    mov eax, [LIN + 0x4008]
    T_RING3_END

%macro R3 3                     ; vector, description, label
    TRY %1, %2
    mov dword [t_base], %3
    mov eax, %3
    mov ebx, 0x002
    jmp t_ring3
    ENDTRY
%endmacro

global test_main
test_main:
    PUTSL "t-paging: page tables, A/D bits, #PF error codes and CR2, WP, U/S, invlpg, global pages"
    call t_ring3_setup
    ; physical test pages: a marker at the start of each
    mov ecx, 0
.fill:
    mov eax, ecx
    shl eax, 12
    lea edx, [ecx + 0x5A000000]
    mov [PHYS + eax], edx
    inc ecx
    cmp ecx, 16
    jb .fill
    mov dword [BIG_PHYS + 0x123454], 0xB16B16   ; beyond the identity map: written before paging
    call t_paging_on
    mov edi, pt_test
    xor eax, eax
    mov ecx, 1024
    rep stosd
    mov dword [t_pd + (LIN >> 22) * 4], pt_test + T_PTE_ALL
    mov eax, cr3
    mov cr3, eax

    ; ---- A/D bits on a 4 KiB page
    xor eax, eax
    xor ebx, ebx
    mov ecx, T_PTE_ALL
    call map
    and dword [t_pd + (LIN >> 22) * 4], ~T_PTE_A
    mov eax, cr3
    mov cr3, eax
    PUTS "fresh mapping:"
    xor eax, eax
    call show_ad
    mov ebx, [LIN]
    PUTS "after a read of "
    HEX32 ebx
    PUTS ":"
    xor eax, eax
    call show_ad
    mov dword [LIN + 4], 1
    PUTS "after a write:"
    xor eax, eax
    call show_ad
    ; a write to a page whose entry is fresh sets A and D together
    mov eax, 1
    mov ebx, 1
    mov ecx, T_PTE_ALL
    call map
    mov dword [LIN + 0x1000 + 8], 2
    PUTS "write first:"
    mov eax, 1
    call show_ad

    ; ---- 4 MiB page
    mov eax, cr4
    or eax, CR4_PSE
    mov cr4, eax
    mov dword [t_pd + (BIG_LIN >> 22) * 4], BIG_PHYS | T_PTE_PS | T_PTE_ALL
    mov eax, cr3
    mov cr3, eax
    mov eax, [BIG_LIN + 0x123454]
    PUTS "4 MiB page read: "
    HEX32 eax
    PUTS " pde="
    mov eax, [t_pd + (BIG_LIN >> 22) * 4]
    and eax, 0x1E7
    HEX16 eax
    NL
    mov dword [BIG_LIN + 0x200000], 7
    PUTS "4 MiB page after a write: pde="
    mov eax, [t_pd + (BIG_LIN >> 22) * 4]
    and eax, 0x1E7
    HEX16 eax
    NL

    ; ---- #PF error codes and CR2, supervisor
    mov eax, 2
    mov ebx, 2
    mov ecx, 0                  ; not present
    call map
    TRY 14, "read a not-present PTE"
    mov eax, [LIN + 0x2010]
    ENDTRY
    TRY 14, "write a not-present PTE"
    mov byte [LIN + 0x2fff], 1
    ENDTRY
    TRY 14, "read under a not-present PDE"
    mov eax, [0xC0001234]
    ENDTRY
    mov eax, 3
    mov ebx, 3
    mov ecx, T_PTE_P | T_PTE_US ; read-only user page
    call map
    TRY 14, "supervisor write to a read-only page, WP=0"
    mov dword [LIN + 0x3000 + 4], 0x51
    ENDTRY
    PUTS "  pte.d="
    mov eax, [pt_test + 3*4]
    shr eax, 6
    and eax, 1
    HEX8 eax
    NL
    mov eax, cr0
    or eax, CR0_WP
    mov cr0, eax
    TRY 14, "supervisor write to a read-only page, WP=1"
    mov dword [LIN + 0x3000 + 8], 0x52
    ENDTRY
    ; a write that crosses from a writable page into a read-only one
    mov eax, 2
    mov ebx, 2
    mov ecx, T_PTE_ALL
    call map
    TRY 14, "dword write across into the read-only page"
    mov dword [LIN + 0x2ffe], 0x53
    ENDTRY
    mov eax, cr0
    and eax, ~CR0_WP
    mov cr0, eax

    ; ---- user accesses
    xor eax, eax
    xor ebx, ebx
    mov ecx, T_PTE_P | T_PTE_RW ; supervisor page
    call map
    mov eax, 1
    mov ebx, 1
    mov ecx, T_PTE_P | T_PTE_US ; user read-only
    call map
    mov eax, 2
    mov ebx, 2
    mov ecx, T_PTE_US           ; not present
    call map
    mov eax, 3
    mov ebx, 3
    mov ecx, T_PTE_ALL
    call map
    R3 14, "ring 3 read of a supervisor page", r3_read0
    R3 14, "ring 3 write to a supervisor page", r3_write0
    R3 14, "ring 3 read of a user read-only page", r3_read1
    R3 14, "ring 3 write to a user read-only page", r3_write1
    R3 14, "ring 3 read of a not-present page", r3_read2
    R3 14, "ring 3 write to a user writable page", r3_write3
    and dword [t_pd + (LIN >> 22) * 4], ~T_PTE_US
    mov eax, cr3
    mov cr3, eax
    R3 14, "ring 3 write, user PTE under a supervisor PDE", r3_write3
    or dword [t_pd + (LIN >> 22) * 4], T_PTE_US
    and dword [t_pd + (LIN >> 22) * 4], ~T_PTE_RW
    mov eax, cr3
    mov cr3, eax
    R3 14, "ring 3 write, writable PTE under a read-only PDE", r3_write3
    mov eax, 4
    mov ebx, 4
    mov ecx, T_PTE_ALL
    call map
    R3 14, "ring 3 read, read-only PDE", r3_read4
    or dword [t_pd + (LIN >> 22) * 4], T_PTE_RW
    mov eax, cr3
    mov cr3, eax

    ; ---- invlpg: remap a page, flush it, read the new frame
    mov eax, 5
    mov ebx, 5
    mov ecx, T_PTE_ALL
    call map
    mov eax, [LIN + 0x5000]
    PUTS "page 5 -> frame 5: "
    HEX32 eax
    mov dword [pt_test + 5*4], (PHYS + 6 * 4096) | T_PTE_ALL
    invlpg [LIN + 0x5000]
    mov eax, [LIN + 0x5000]
    PUTS "; remapped to frame 6, invlpg: "
    HEX32 eax
    NL

    ; ---- global pages
    mov eax, cr4
    or eax, CR4_PGE
    mov cr4, eax
    mov eax, 7
    mov ebx, 7
    mov ecx, T_PTE_ALL | T_PTE_G
    call map
    mov eax, 8
    mov ebx, 8
    mov ecx, T_PTE_ALL
    call map
    mov eax, [LIN + 0x7000]
    mov eax, [LIN + 0x8000]
    ; a second directory that maps the same code/data and the test table
    mov esi, t_pd
    mov edi, pd2
    mov ecx, 1024
    rep movsd
    mov eax, pd2
    mov cr3, eax
    mov eax, [LIN + 0x7000]
    PUTS "global page after a CR3 load (same mapping): "
    HEX32 eax
    NL
    ; remap both pages in the table, then reload CR3: the non-global page must change
    mov dword [pt_test + 7*4], (PHYS + 9 * 4096) | T_PTE_ALL | T_PTE_G
    mov dword [pt_test + 8*4], (PHYS + 10 * 4096) | T_PTE_ALL
    mov eax, t_pd
    mov cr3, eax
    mov eax, [LIN + 0x8000]
    PUTS "non-global page remapped, CR3 load: "
    HEX32 eax
    NL
    mov eax, cr4
    and eax, ~CR4_PGE
    mov cr4, eax
    mov eax, [LIN + 0x7000]
    PUTS "global page remapped, CR4.PGE toggled off: "
    HEX32 eax
    NL
    mov eax, cr4
    or eax, CR4_PGE
    mov cr4, eax
    mov dword [pt_test + 7*4], (PHYS + 11 * 4096) | T_PTE_ALL | T_PTE_G
    invlpg [LIN + 0x7000]
    mov eax, [LIN + 0x7000]
    PUTS "global page remapped, invlpg: "
    HEX32 eax
    NL
    mov eax, cr4
    and eax, ~(CR4_PGE | CR4_PSE)
    mov cr4, eax

    call t_paging_off
    PUTSL "t-paging: done"
    ret

section .bss
T_ALIGNB 4096
pt_test: resb 4096
pd2:     resb 4096
