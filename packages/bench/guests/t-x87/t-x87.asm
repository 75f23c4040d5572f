; t-x87.asm: the x87 FPU against QEMU: control/status/tag words, every memory format, constants
; under each rounding mode, arithmetic, comparisons, FXAM, masked exceptions and stack faults,
; FNSAVE/FRSTOR, scaling and remainders, transcendental functions.
;
; x86virt computes x87 arithmetic through 64-bit doubles (53-bit significands, see the x86-core
; README), QEMU in 80-bit softfloat. So arithmetic here runs with precision control set to
; double (PC=10b), where both round the same way; memory conversions are exact in both and are
; tested at full width. Transcendental results are printed as single-precision values (the two
; implementations differ only in the last bits of the 64-bit significand). FNSTENV/FNSAVE
; images are printed without FIP/FCS/FOP/FDP/FDS. Left out because QEMU 7.2 departs from the
; SDM there (x86-core's unit tests cover them): stack overflow/underflow (QEMU raises no IE/SF),
; DE on loading a single/double denormal, C1 = "rounded up" after an inexact result (printed
; status words mask C1 and C2; QEMU also sets C2 after FSQRT of a negative number), and C1 of
; FXAM on an empty register (the stale sign).
%include "t-lib.inc"

%macro SHOWSW 1                 ; label, then the status word without C1 and C2; then FNCLEX
    PUTS %1
    fnstsw ax
    and eax, 0xf9ff
    HEX16 eax
    NL
    fnclex
%endmacro
%macro SHOWQ 2                  ; label, qword in memory (hi then lo)
    PUTS %1
    HEX32 [%2 + 4]
    SP
    HEX32 [%2]
%endmacro
%macro SHOWT 2                  ; label, tbyte in memory (sign/exponent, hi, lo)
    PUTS %1
    movzx eax, word [%2 + 8]
    HEX16 eax
    SP
    HEX32 [%2 + 4]
    SP
    HEX32 [%2]
%endmacro
%macro SHOWD 2                  ; label, dword in memory
    PUTS %1
    HEX32 [%2]
%endmacro

section .text
global test_main
test_main:
    PUTSL "t-x87: x87 FPU"
    mov eax, cr0
    or eax, 0x22                ; NE MP
    and eax, ~0xc               ; EM TS clear
    mov cr0, eax

    ; ---- FNINIT state
    fninit
    fnstcw [w0]
    fnstenv [env]
    PUTS "fninit: cw="
    movzx eax, word [w0]
    HEX16 eax
    PUTS " tw="
    movzx eax, word [env + 8]
    HEX16 eax
    SHOWSW " sw="

    ; ---- constants under each rounding mode
    mov ecx, 0
.rc:
    mov eax, ecx
    shl eax, 10
    or eax, 0x037f
    mov [w0], ax
    fldcw [w0]
    fldpi
    fstp tword [t0]
    fldl2e
    fstp tword [t1]
    fldl2t
    fstp tword [t2]
    fldlg2
    fstp tword [t3]
    fldln2
    fstp tword [t4]
    PUTS "rc="
    HEX8 ecx
    SHOWT " pi=", t0
    SHOWT " l2e=", t1
    NL
    SHOWT "     l2t=", t2
    SHOWT " lg2=", t3
    SHOWT " ln2=", t4
    NL
    inc ecx
    cmp ecx, 4
    jb .rc
    fninit

    ; ---- memory formats
    fld tword [x80a]
    fld tword [x80b]
    fld tword [x80c]
    fstp tword [t0]
    fstp tword [t1]
    fstp tword [t2]
    SHOWT "m80: ", t0
    SHOWT " ", t1
    SHOWT " ", t2
    SHOWSW " sw="
    fld qword [x64den]
    fstp qword [q0]
    SHOWQ "m64 denormal: ", q0
    NL
    fnclex
    fld qword [x64snan]
    fstp qword [q0]
    SHOWQ "m64 snan: ", q0
    SHOWSW " sw="
    fld dword [x32den]
    fst dword [d0]
    fstp tword [t0]
    SHOWD "m32 denormal: ", d0
    SHOWT " as m80 ", t0
    NL
    fnclex
    fld tword [x80a]
    fst qword [q0]
    fstp dword [d0]
    SHOWQ "m80->m64 ", q0
    SHOWD " m32 ", d0
    SHOWSW " sw="
    fld qword [x64big]
    fstp dword [d0]
    SHOWD "1e300->m32 ", d0
    SHOWSW " sw="
    fld tword [x80tiny]
    fstp qword [q0]
    SHOWQ "tiny->m64 ", q0
    SHOWSW " sw="

    ; ---- integers, each rounding mode
    mov ecx, 0
.irc:
    mov eax, ecx
    shl eax, 10
    or eax, 0x037f
    mov [w0], ax
    fldcw [w0]
    fld qword [x64_25]
    fist dword [d0]
    fchs
    fistp word [w1]
    fld tword [x80a]
    fistp qword [q0]
    PUTS "rc="
    HEX8 ecx
    SHOWD " 2.5->", d0
    movzx eax, word [w1]
    PUTS " -2.5->"
    HEX16 eax
    SHOWQ " m80->m64int ", q0
    SHOWSW " sw="
    inc ecx
    cmp ecx, 4
    jb .irc
    fninit
    fild qword [i64]
    fistp qword [q0]
    fild word [i16]
    fistp dword [d0]
    SHOWQ "fild/fistp m64 ", q0
    SHOWD " m16->m32 ", d0
    SHOWSW " sw="
    fld qword [x64big]
    fistp dword [d0]
    SHOWD "1e300->m32int ", d0
    SHOWSW " sw="
    fbld [bcd]
    fld st0
    fbstp [t0]
    fistp qword [q0]
    SHOWT "fbld/fbstp ", t0
    SHOWQ " as m64int ", q0
    SHOWSW " sw="
    fld qword [x64big]
    fbstp [t0]
    SHOWT "1e300->bcd ", t0
    SHOWSW " sw="

    ; ---- arithmetic at double precision, each rounding mode
    mov ecx, 0
.arc:
    mov eax, ecx
    shl eax, 10
    or eax, 0x027f
    mov [w0], ax
    fldcw [w0]
    fld qword [a1]
    fadd qword [a2]
    fstp qword [q0]
    fld qword [a1]
    fsub qword [a3]
    fstp qword [q1]
    fld qword [a2]
    fmul qword [a3]
    fstp qword [q2]
    fld qword [a1]
    fdiv qword [a3]
    fstp qword [q3]
    fld qword [a2]
    fsqrt
    fstp qword [q4]
    fild dword [i7]
    fidivr dword [i1]
    fstp qword [q5]
    PUTS "rc="
    HEX8 ecx
    SHOWQ " add ", q0
    SHOWQ " sub ", q1
    SHOWQ " mul ", q2
    NL
    SHOWQ "     div ", q3
    SHOWQ " sqrt ", q4
    SHOWQ " 1/7 ", q5
    SHOWSW " sw="
    inc ecx
    cmp ecx, 4
    jb .arc
    mov word [w0], 0x007f       ; single precision
    fldcw [w0]
    fld1
    fidiv dword [i3]
    fstp qword [q0]
    SHOWQ "pc=single 1/3 ", q0
    SHOWSW " sw="
    fninit
    fld qword [x64big]
    fmul st0, st0
    fdiv qword [x64big]
    fstp qword [q0]
    SHOWQ "1e300^2/1e300 ", q0
    SHOWSW " sw="
    fild dword [i3]
    fild dword [i7]
    fsubrp st1, st0
    fild dword [i3]
    fxch st1
    fdivp st1, st0
    fistp dword [d0]
    SHOWD "register forms ", d0
    SHOWSW " sw="

    ; ---- masked exceptions and stack faults
    fldz
    fldz
    fdivp st1, st0
    fstp qword [q0]
    SHOWQ "0/0 ", q0
    SHOWSW " sw="
    fld1
    fldz
    fdivp st1, st0
    fstp qword [q0]
    SHOWQ "1/0 ", q0
    SHOWSW " sw="
    fld1
    fchs
    fsqrt
    fstp qword [q0]
    SHOWQ "sqrt(-1) ", q0
    SHOWSW " sw="
    ; ---- comparisons
    fninit
    fld1
    fldz
    fcom st1
    fnstsw ax
    mov ebx, eax
    fcomp st0
    fnstsw ax
    mov esi, eax
    fld qword [x64qnan]
    fucom st1
    fnstsw ax
    mov edi, eax
    PUTS "fcom 0:1 "
    HEX16 ebx
    PUTS " 0:0 "
    HEX16 esi
    PUTS " fucom nan "
    HEX16 edi
    fcom st1
    SHOWSW " fcom nan "
    fninit
    fild dword [i7]
    fild dword [i3]
    fcomi st0, st1
    pushfd
    pop ebx
    fcmovb st0, st1
    fistp dword [d0]
    fld qword [x64qnan]
    fucomip st0, st1
    pushfd
    pop esi
    and ebx, 0x8d5
    and esi, 0x8d5
    PUTS "fcomi 3:7 "
    HEX16 ebx
    SHOWD " fcmovb ", d0
    PUTS " fucomip nan "
    HEX16 esi
    SHOWSW " sw="
    fninit
    fxam
    fnstsw ax
    mov ebx, eax
    fldz
    fchs
    fxam
    fnstsw ax
    mov esi, eax
    fld qword [x64den]
    fxam
    fnstsw ax
    mov edi, eax
    fld qword [x64inf]
    fxam
    fnstsw ax
    and eax, 0x4700
    and ebx, 0x4500
    and esi, 0x4700
    and edi, 0x4700
    PUTS "fxam empty "
    HEX16 ebx
    PUTS " -0 "
    HEX16 esi
    PUTS " denormal "
    HEX16 edi
    PUTS " -inf "
    HEX16 eax
    NL
    fninit

    ; ---- FNSAVE / FRSTOR
    fldpi
    fld1
    fld qword [a1]
    fnsave [save]
    fnstsw ax
    mov ebx, eax
    frstor [save]
    fstp qword [q0]
    fstp qword [q1]
    PUTS "fnsave cw="
    HEX16 [save]
    PUTS " sw="
    HEX16 [save + 4]
    PUTS " tw="
    HEX16 [save + 8]
    SHOWT " st0=", save + 28
    SHOWT " st2=", save + 48
    NL
    PUTS "  after: sw="
    HEX16 ebx
    SHOWQ " restored ", q0
    SHOWQ " ", q1
    SHOWSW " sw="
    fninit

    ; ---- scaling, remainders, rounding to integer
    fild dword [i7]
    fld tword [x80a]
    fscale
    fstp tword [t0]
    fstp st0
    fld tword [x80a]
    fxtract
    fstp tword [t1]
    fistp dword [d0]
    SHOWT "fscale ", t0
    SHOWT " fxtract ", t1
    SHOWD " exp ", d0
    SHOWSW " sw="
    fild dword [i3]
    fild dword [i23]
    fprem
    fnstsw ax
    mov ebx, eax
    fistp dword [d0]
    fstp st0
    fild dword [i3]
    fild dword [i23]
    fprem1
    fnstsw ax
    mov esi, eax
    fistp dword [d1]
    fstp st0
    SHOWD "fprem 23,3 ", d0
    PUTS " sw="
    HEX16 ebx
    SHOWD " fprem1 ", d1
    PUTS " sw="
    HEX16 esi
    NL
    fld qword [x64_25]
    frndint
    fstp qword [q0]
    mov word [w0], 0x0b7f
    fldcw [w0]
    fld qword [x64_25]
    frndint
    fstp qword [q1]
    SHOWQ "frndint 2.5 ", q0
    SHOWQ " up ", q1
    SHOWSW " sw="
    fninit

    ; ---- transcendental functions (printed as single precision)
    fld qword [x64_075]
    fsin
    fstp dword [d0]
    fld qword [x64_075]
    fcos
    fstp dword [d1]
    fld qword [x64_075]
    fptan
    fstp dword [d2]
    fstp dword [d3]
    SHOWD "sin ", d0
    SHOWD " cos ", d1
    SHOWD " ptan 1=", d2
    SHOWD " tan ", d3
    SHOWSW " sw&="
    fld1
    fld qword [x64_075]
    fpatan
    fstp dword [d0]
    fld1
    fld qword [x64_075]
    fyl2x
    fstp dword [d1]
    fld qword [x64_075]
    f2xm1
    fstp dword [d2]
    fld1
    fld qword [x64_025]
    fyl2xp1
    fstp dword [d3]
    SHOWD "patan ", d0
    SHOWD " yl2x ", d1
    SHOWD " 2xm1 ", d2
    SHOWD " yl2xp1 ", d3
    NL
    fld qword [x64_075]
    fsincos
    fstp dword [d0]
    fstp dword [d1]
    fld qword [x64huge]
    fsin
    fnstsw ax
    and eax, 0x0400
    SHOWD "sincos cos ", d0
    SHOWD " sin ", d1
    PUTS " fsin 2^70 c2="
    HEX16 eax
    NL
    fninit
    PUTSL "t-x87: done"
    ret

section .data
align 16
x80a:    dq 0xefcdab8967452301
         dw 0x4002
align 16
x80b:    dq 0x0000000000000001
         dw 0x8000
align 16
x80c:    dq 0xc877665544332211
         dw 0x7fff
align 16
x80tiny: dq 0x8000000000000001
         dw 0x3c00
x64den:  dq 0x0000000000000003
x64snan: dq 0x7ff0000000000001
x64qnan: dq 0x7ff8000000000000
x64inf:  dq 0xfff0000000000000
x64big:  dq 1.0e300
x64huge: dq 0x4450000000000000
x64_25:  dq 2.5
x64_075: dq 0.75
x64_025: dq 0.25
x32den:  dd 0x00000005
a1:      dq 0.1
a2:      dq 0.2
a3:      dq 3.0
i64:     dq 0x123456789abcdef1
i16:     dw -1234
align 4
i1:      dd 1
i3:      dd 3
i7:      dd 7
i23:     dd 23
bcd:     db 0x89, 0x67, 0x45, 0x23, 0x01, 0x89, 0x67, 0x45, 0x23, 0x80
align 16
w0:      dw 0
w1:      dw 0
d0:      dd 0
d1:      dd 0
d2:      dd 0
d3:      dd 0
q0:      dq 0
q1:      dq 0
q2:      dq 0
q3:      dq 0
q4:      dq 0
q5:      dq 0
align 16
t0:      times 10 db 0
align 16
t1:      times 10 db 0
align 16
t2:      times 10 db 0
align 16
t3:      times 10 db 0
align 16
t4:      times 10 db 0
align 16
env:     times 28 db 0
save:    times 108 db 0
