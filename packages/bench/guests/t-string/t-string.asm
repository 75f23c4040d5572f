; t-string.asm: string instructions: movs lods stos cmps scas at every size and direction, REP/REPE/REPNE, 16-bit addressing, segment override, and #PF mid-REP.
;
; Buffers live at fixed linear addresses (SRC 0x200000, DST 0x210000, identity-mapped by
; t-paging.inc), so ESI/EDI print the same on any link. CMPS/SCAS flags are those of SUB (all
; six defined, SDM Vol. 2 CMPS/SCAS); MOVS/LODS/STOS affect no flag: they run with OF SF ZF AF
; PF CF all set on input, which must survive. A REP string instruction that faults leaves
; ECX/ESI/EDI at the faulting iteration (SDM Vol. 2 REP: "the registers are updated ... so the
; instruction can be restarted"); the #PF handler prints them, maps the page and resumes it.
%include "t-lib.inc"
%include "t-paging.inc"

%define SRC 0x200000
%define DST 0x210000
%define HOLE 0x220000           ; a page left not present for the mid-REP faults
%define A16 0x8000              ; low buffers for 16-bit addressing

section .text
; fill: ECX bytes at EDI = (i * 7 + AL) & 0xFF.
fill:
    pushad
.l: stosb
    add al, 7
    loop .l
    popad
    ret

; sum: EAX = checksum of ECX bytes at ESI (sum = sum * 31 + byte).
sum:
    push esi
    push ecx
    push edx
    xor eax, eax
    jecxz .done
.l: imul eax, eax, 31
    movzx edx, byte [esi]
    add eax, edx
    inc esi
    loop .l
.done:
    pop edx
    pop ecx
    pop esi
    ret

; reset: SRC (4 KiB) from 0x10, DST (4 KiB) from 0x80.
reset:
    pushad
    mov edi, SRC
    mov ecx, 4096
    mov al, 0x10
    call fill
    mov edi, DST
    mov ecx, 4096
    mov al, 0x80
    call fill
    popad
    ret

; state: prints " ecx=.. esi=SRC+.. edi=DST+.. fl=.." from saved_* (ESI/EDI relative to the buffers).
state:
    PUTS " ecx="
    HEX32 [saved_ecx]
    PUTS " esi="
    mov eax, [saved_esi]
    sub eax, [base_esi]
    call t_hex32
    PUTS " edi="
    mov eax, [saved_edi]
    sub eax, [base_edi]
    call t_hex32
    PUTS " fl="
    mov eax, [saved_fl]
    and eax, T_ARITH_FLAGS | 0x400
    call t_hex16
    ret

%macro SAVE 0                   ; saved_* = ECX ESI EDI EAX EFLAGS, right after the instruction
    pushfd
    pop dword [saved_fl]
    mov [saved_ecx], ecx
    mov [saved_esi], esi
    mov [saved_edi], edi
    mov [saved_eax], eax
%endmacro

; ---- part A: one iteration, each size, both directions ------------------------------------------
; A row: name, routine. Routines run with ESI = SRC+0x10, EDI = DST+0x10, EAX = 0x11223344,
; ECX = 5, input EFLAGS in EDX.
%macro SROW 2
[section .rodata]
%%n: db %1, 0
__SECT__
[section .data]
    dd %%n, %2
__SECT__
%endmacro
%macro SOP 2
%1:
    push edx
    popfd
    %2
    SAVE
    cld
    ret
%endmacro
SOP s_movsb, movsb
SOP s_movsw, movsw
SOP s_movsd, movsd
SOP s_lodsb, lodsb
SOP s_lodsw, lodsw
SOP s_lodsd, lodsd
SOP s_stosb, stosb
SOP s_stosw, stosw
SOP s_stosd, stosd
SOP s_cmpsb, cmpsb
SOP s_cmpsw, cmpsw
SOP s_cmpsd, cmpsd
SOP s_scasb, scasb
SOP s_scasw, scasw
SOP s_scasd, scasd
s_cmpsb_eq:                     ; equal bytes
    mov byte [edi], 0x20
    jmp s_cmpsb
s_scasd_eq:
    mov dword [edi], 0x11223344
    jmp s_scasd

run_single:
    mov dword [base_esi], SRC + 0x10
    mov dword [base_edi], DST + 0x10
    mov esi, single_rows
.row:
    cmp esi, single_end
    jae .done
    xor ebx, ebx
.dir:
    call reset
    push esi
    push ebx
    mov edx, ebx
    shl edx, 10                 ; DF
    or edx, 0x8D7               ; OF SF ZF AF PF CF set
    mov eax, [esi + 4]
    mov [routine], eax
    mov esi, SRC + 0x10
    mov edi, DST + 0x10
    mov eax, 0x11223344
    mov ecx, 5
    call [routine]
    pop ebx
    pop esi
    push esi
    mov esi, [esi]
    call t_puts
    pop esi
    PUTS " df="
    HEX8 ebx
    PUTS " ->"
    call state
    PUTS " eax="
    HEX32 [saved_eax]
    PUTS " dst="
    HEX32 [DST + 0x10]
    NL
    inc ebx
    cmp ebx, 2
    jb .dir
    add esi, 8
    jmp .row
.done:
    ret

; ---- part B: repeated forms ---------------------------------------------------------------------
; A rep case: name, routine; the routine sets its registers, runs, SAVEs; then the driver prints
; the state and checksums of DST's first 256 bytes.
%macro RCASE 2
[section .rodata]
%%n: db %1, 0
__SECT__
[section .data]
    dd %%n, %2
__SECT__
%endmacro

r_movsb_0:                      ; ECX = 0: nothing moves, flags untouched
    mov esi, SRC
    mov edi, DST
    xor ecx, ecx
    push dword 0x8D7
    popfd
    rep movsb
    SAVE
    ret
r_movsd_fwd:
    mov esi, SRC
    mov edi, DST
    mov ecx, 37
    rep movsd
    SAVE
    ret
r_movsw_back:
    mov esi, SRC + 0x7E
    mov edi, DST + 0x7E
    mov ecx, 33
    std
    rep movsw
    SAVE
    cld
    ret
r_movsb_overlap:                ; forward copy onto itself one byte on: replicates the first byte
    mov esi, DST
    mov edi, DST + 1
    mov ecx, 100
    rep movsb
    SAVE
    ret
r_stosd:
    mov edi, DST + 4
    mov ecx, 10
    mov eax, 0xCAFEF00D
    rep stosd
    SAVE
    ret
r_stosb_back:
    mov edi, DST + 200
    mov ecx, 50
    mov al, 0xEE
    std
    rep stosb
    SAVE
    cld
    ret
r_lodsw:
    mov esi, SRC
    mov ecx, 7
    rep lodsw
    SAVE
    ret
r_repe_cmpsb_mismatch:
    mov esi, DST
    mov edi, DST + 0x800
    mov ecx, 64
    push esi
    push edi
    push ecx
    rep movsb                   ; DST+0x800 = copy of DST
    pop ecx
    pop edi
    pop esi
    mov byte [edi + 20], 0      ; differs at index 20
    repe cmpsb
    SAVE
    ret
r_repe_cmpsd_equal:
    mov esi, DST
    mov edi, DST + 0x800
    mov ecx, 16
    push esi
    push edi
    push ecx
    rep movsd
    pop ecx
    pop edi
    pop esi
    repe cmpsd
    SAVE
    ret
r_repne_cmpsw:
    mov esi, SRC
    mov edi, DST
    mov ecx, 40
    mov ax, [SRC + 24]
    mov [DST + 24], ax          ; first equal word at index 12
    repne cmpsw
    SAVE
    ret
r_repne_scasb_found:
    mov edi, SRC
    mov ecx, 200
    mov al, [SRC + 77]
    repne scasb
    SAVE
    ret
r_repne_scasb_absent:
    mov edi, SRC
    mov ecx, 30
    mov al, 0x0F                ; not among the first 30 bytes
    repne scasb
    SAVE
    ret
r_repe_scasd_back:
    mov edi, DST + 0x40
    mov ecx, 8
    mov eax, 0x12345678
    push edi
    push ecx
    std
    rep stosd
    pop ecx
    pop edi
    mov dword [DST + 0x28], 0   ; stops at the 7th dword going down
    repe scasd
    SAVE
    cld
    ret
r_a16_movsb:                    ; address-size prefix: SI, DI, CX count, upper halves kept
    mov esi, 0xABCD0000 + A16
    mov edi, 0x12340000 + A16 + 0x100
    mov ecx, 0x55550006
    a16 rep movsb
    SAVE
    ret
r_fs_movsd:                     ; segment override on the source: FS.base = SRC + 0x100
    mov ax, 0x30
    mov fs, ax
    xor esi, esi
    mov edi, DST
    mov ecx, 4
    rep fs movsd
    SAVE
    mov ax, SEL_DATA0
    mov fs, ax
    ret

run_rep:
    mov esi, rep_cases
.next:
    cmp esi, rep_end
    jae .done
    call reset
    mov dword [A16], 0x44332211
    mov dword [A16 + 4], 0x88776655
    mov dword [A16 + 0x100], 0
    mov dword [A16 + 0x104], 0
    push esi
    mov eax, [esi + 4]
    mov [routine], eax
    xor eax, eax                ; every register a routine does not set is zero
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    push dword 2
    popfd
    call [routine]
    pop esi
    push esi
    mov esi, [esi]
    call t_puts
    pop esi
    mov dword [base_esi], 0
    mov dword [base_edi], 0
    PUTS " ->"
    call state
    PUTS " eax="
    HEX32 [saved_eax]
    push esi
    mov esi, DST
    mov ecx, 256
    call sum
    PUTS " sum="
    call t_hex32
    mov esi, A16 + 0x100
    mov ecx, 8
    call sum
    PUTS " low="
    call t_hex32
    pop esi
    NL
    add esi, 8
    jmp .next
.done:
    ret

; ---- part C: #PF in the middle of a REP -----------------------------------------------------------
; pf_handler: prints the fault and the string registers, maps the page, resumes the instruction.
pf_handler:
    PUTS "  #PF err="
    HEX32 [ebp + F_ERR]
    PUTS " cr2="
    mov eax, cr2
    call t_hex32
    PUTS " ecx="
    HEX32 [ebp + F_ECX]
    PUTS " esi="
    HEX32 [ebp + F_ESI]
    PUTS " edi="
    HEX32 [ebp + F_EDI]
    PUTS " eip=+"
    mov eax, [ebp + F_EIP]
    sub eax, [t_base]
    call t_hex32
    NL
    mov eax, cr2
    mov ebx, eax
    and ebx, 0xFFFFF000
    or ebx, T_PTE_ALL
    call t_pte_set
    xor eax, eax                ; iret: the instruction restarts where it stopped
    ret

%macro MIDREP 1                 ; description; the body follows, then MIDREP_END
    call reset
    mov eax, HOLE
    mov ebx, HOLE + T_PTE_ALL
    call t_pte_set
    mov eax, HOLE + 0x1000
    mov ebx, HOLE + 0x1000 + T_PTE_ALL
    call t_pte_set
    mov edi, HOLE - 0x1000      ; the pages around the hole hold a pattern too
    mov ecx, 0x3000
    mov al, 0x33
    call fill
    mov eax, HOLE
    mov ebx, HOLE               ; not present
    call t_pte_set
    mov eax, HOLE + 0x1000
    mov ebx, HOLE + 0x1000
    call t_pte_set
    PUTSL %1
    mov dword [t_base], %%here
%%here:
%endmacro
%macro MIDREP_END 0
    SAVE
    cld
    PUTS "  done ->"
    mov dword [base_esi], 0
    mov dword [base_edi], 0
    call state
    NL
%endmacro

run_midrep:
    mov dword [t_handlers + 14*4], pf_handler
    ; source crosses into the hole: the read faults at HOLE
    MIDREP "rep movsd, source runs into a not-present page"
    mov esi, HOLE - 0x100
    mov edi, DST
    mov ecx, 0x100
    rep movsd
    MIDREP_END
    PUTS "  copied sum="
    mov esi, DST
    mov ecx, 0x400
    call sum
    HEX32 eax
    NL
    ; destination going down into the hole (DF=1): the write faults at HOLE+0xFFF
    MIDREP "std; rep stosb, destination runs down into a not-present page"
    mov edi, HOLE + 0x1000 + 0x20
    mov ecx, 0x40
    mov al, 0x5A
    std
    rep stosb
    MIDREP_END
    ; repe cmpsd reading two pages, the second operand (ES:EDI) in the hole
    MIDREP "repe cmpsd, ES:EDI runs into a not-present page"
    mov esi, SRC
    mov edi, HOLE - 0x40
    mov ecx, 0x40
    push esi
    push edi
    push ecx
    mov ecx, 0x10
    rep movsd                   ; the first 0x40 bytes match
    pop ecx
    pop edi
    pop esi
    repe cmpsd
    MIDREP_END
    ; two faults in one instruction: both pages of the hole
    MIDREP "rep movsb across two not-present pages"
    mov esi, SRC
    mov edi, HOLE + 0xFF0
    mov ecx, 0x20
    rep movsb
    MIDREP_END
    mov dword [t_handlers + 14*4], 0
    ret

section .data
single_rows:
    SROW "movsb", s_movsb
    SROW "movsw", s_movsw
    SROW "movsd", s_movsd
    SROW "lodsb", s_lodsb
    SROW "lodsw", s_lodsw
    SROW "lodsd", s_lodsd
    SROW "stosb", s_stosb
    SROW "stosw", s_stosw
    SROW "stosd", s_stosd
    SROW "cmpsb", s_cmpsb
    SROW "cmpsw", s_cmpsw
    SROW "cmpsd", s_cmpsd
    SROW "scasb", s_scasb
    SROW "scasw", s_scasw
    SROW "scasd", s_scasd
    SROW "cmpsb (equal)", s_cmpsb_eq
    SROW "scasd (equal)", s_scasd_eq
single_end:
rep_cases:
    RCASE "rep movsb ecx=0", r_movsb_0
    RCASE "rep movsd", r_movsd_fwd
    RCASE "std; rep movsw", r_movsw_back
    RCASE "rep movsb overlapping", r_movsb_overlap
    RCASE "rep stosd", r_stosd
    RCASE "std; rep stosb", r_stosb_back
    RCASE "rep lodsw", r_lodsw
    RCASE "repe cmpsb (mismatch at 20)", r_repe_cmpsb_mismatch
    RCASE "repe cmpsd (all equal)", r_repe_cmpsd_equal
    RCASE "repne cmpsw (equal at 12)", r_repne_cmpsw
    RCASE "repne scasb (found at 77)", r_repne_scasb_found
    RCASE "repne scasb (absent)", r_repne_scasb_absent
    RCASE "std; repe scasd (differs at 6)", r_repe_scasd_back
    RCASE "a16 rep movsb", r_a16_movsb
    RCASE "rep fs movsd (fs.base=src+100)", r_fs_movsd
rep_end:

section .bss
routine:   resd 1
base_esi:  resd 1
base_edi:  resd 1
saved_ecx: resd 1
saved_esi: resd 1
saved_edi: resd 1
saved_eax: resd 1
saved_fl:  resd 1

section .text
global test_main
test_main:
    PUTSL "t-string: string instructions; registers and flags after each"
    call t_paging_on
    ; GDT[6] (0x30): flat data segment based at SRC + 0x100, for the FS override
    mov eax, 6
    mov ebx, SRC + 0x100
    mov ecx, 0xFFFFF
    mov edx, 0xC092
    call t_gdt_set
    call run_single
    call run_rep
    call run_midrep
    PUTSL "t-string: done"
    ret
