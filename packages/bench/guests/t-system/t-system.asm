; t-system.asm: system instructions and registers: cpuid (stable fields only), rdmsr/wrmsr, rdtsc, clts, lmsw, CR0/CR2/CR3/CR4 bits, debug registers.
;
; CPUID: the vendor string, model, stepping, cache/TLB leaves and most feature bits differ
; between QEMU's pentium3 and our i686, so only what an i686 with our feature set must report
; is printed: the family (6) and, of CPUID.1:EDX, FPU PSE TSC MSR CX8 SEP PGE CMOV (mask
; 0000a939; VME DE PAE MCE APIC MTRR MCA PAT PSE36 MMX FXSR SSE and the rest are left out).
; TSC values are never printed, only the fact that it counts up. Left out because QEMU 7.2
; departs from the SDM there: a WRMSR to the TSC (QEMU's RDTSC ignores it) and the #GP for
; CR0.NW=1 with CD=0 (QEMU accepts it).
%include "t-lib.inc"

%define MSR_TSC          0x010
%define MSR_SYSENTER_CS  0x174
%define MSR_SYSENTER_ESP 0x175
%define MSR_SYSENTER_EIP 0x176

section .text
r3_rdtsc:
    rdtsc
    T_RING3_END

global test_main
test_main:
    PUTSL "t-system: cpuid, msrs, tsc, control and debug registers"
    call t_ring3_setup

    ; ---- EFLAGS.ID and EFLAGS.AC can be toggled (CPUID present, i486+)
    pushfd
    pop eax
    mov ebx, eax
    xor eax, 0x00240000
    push eax
    popfd
    pushfd
    pop eax
    xor eax, ebx
    PUTS "eflags id|ac toggled: "
    HEX32 eax
    NL
    push dword 2
    popfd

    ; ---- cpuid
    xor eax, eax
    cpuid
    mov esi, eax
    PUTS "cpuid.0: max leaf >= 1: "
    xor eax, eax
    cmp esi, 1
    setae al
    HEX8 eax
    NL
    mov eax, 1
    cpuid
    shr eax, 8
    and eax, 0xF
    PUTS "cpuid.1: family="
    HEX8 eax
    PUTS " edx&0000a939="
    and edx, 0x0000A939
    HEX32 edx
    NL

    ; ---- MSRs
    xor edx, edx
    mov ecx, MSR_SYSENTER_CS
    mov eax, 0x1234
    wrmsr
    mov ecx, MSR_SYSENTER_ESP
    mov eax, 0x89ABCDEF
    wrmsr
    mov ecx, MSR_SYSENTER_EIP
    mov eax, 0x76543210
    wrmsr
    mov ecx, MSR_SYSENTER_CS
.msr:
    mov eax, 0xEEEEEEEE
    mov edx, 0xEEEEEEEE
    rdmsr
    PUTS "rdmsr "
    HEX16 ecx
    PUTS " = "
    HEX32 edx
    PUTS ":"
    HEX32 eax
    NL
    inc ecx
    cmp ecx, MSR_SYSENTER_EIP
    jbe .msr
    xor eax, eax
    xor edx, edx
    mov ecx, MSR_SYSENTER_CS
    wrmsr

    ; ---- TSC
    rdtsc
    mov esi, eax
    mov edi, edx
    rdtsc
    sub eax, esi
    sbb edx, edi
    xor esi, esi                        ; the TSC reads depend on the mode's clock: keep them out of the final state
    xor edi, edi
    PUTS "rdtsc counts up: "
    xor ebx, ebx
    or eax, edx
    setnz bl
    test edx, edx
    jns .pos
    xor ebx, ebx
.pos:
    HEX8 ebx
    NL

    ; ---- CR0
    mov eax, cr0
    mov [saved_cr0], eax
    or eax, 0x08                ; TS
    mov cr0, eax
    mov eax, cr0
    and eax, 0x08
    PUTS "cr0.ts set: "
    HEX8 eax
    clts
    mov eax, cr0
    and eax, 0x08
    PUTS " after clts: "
    HEX8 eax
    NL
    mov eax, 0x00050023         ; PE MP NE WP AM, ET clear
    mov cr0, eax
    mov eax, cr0
    PUTS "cr0 <- 00050023: "
    HEX32 eax
    NL
    mov eax, 0x40000011         ; CD=1 NW=0
    mov cr0, eax
    mov eax, cr0
    PUTS "cr0 <- 40000011: "
    HEX32 eax
    NL
    mov eax, [saved_cr0]
    mov cr0, eax

    ; ---- CR2, CR3
    mov eax, 0xDEADB000
    mov cr2, eax
    mov eax, cr2
    PUTS "cr2 <- deadb000: "
    HEX32 eax
    NL
    mov eax, cr3
    mov [saved_cr3], eax
    mov eax, 0x00123018         ; PWT PCD, page-aligned base (paging is off)
    mov cr3, eax
    mov eax, cr3
    PUTS "cr3 <- 00123018: "
    HEX32 eax
    NL
    mov eax, [saved_cr3]
    mov cr3, eax

    ; ---- CR4
    mov eax, 0x0000009C         ; DE PSE PGE TSD
    mov cr4, eax
    mov eax, cr4
    PUTS "cr4 <- 0000009c: "
    HEX32 eax
    NL
    TRY 13, "ring 3 rdtsc with CR4.TSD=1"
    mov dword [t_base], r3_rdtsc
    mov eax, r3_rdtsc
    mov ebx, 2
    jmp t_ring3
    ENDTRY
    TRY 6, "mov eax,dr4 with CR4.DE=1"
    mov eax, dr4
    ENDTRY
    xor eax, eax
    mov cr4, eax
    TRY 13, "ring 3 rdtsc with CR4.TSD=0"
    mov dword [t_base], r3_rdtsc
    mov eax, r3_rdtsc
    mov ebx, 2
    jmp t_ring3
    ENDTRY

    ; ---- debug registers
    mov eax, 0x00401000
    mov dr0, eax
    mov eax, 0x00402001
    mov dr3, eax
    mov eax, dr0
    PUTS "dr0="
    HEX32 eax
    mov eax, dr3
    PUTS " dr3="
    HEX32 eax
    NL
    xor eax, eax
    mov dr7, eax
    mov eax, dr7
    PUTS "dr7 <- 0: "
    HEX32 eax
    NL
    xor eax, eax
    mov dr6, eax
    mov eax, dr6
    PUTS "dr6 <- 0: "
    HEX32 eax
    NL
    wbinvd
    invd
    PUTSL "wbinvd, invd: ok"
    PUTSL "t-system: done"
    ret

section .data
saved_cr0: dd 0
saved_cr3: dd 0
