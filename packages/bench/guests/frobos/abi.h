/** @file abi.h: what the FrobOS kernel and its user programs agree on: system calls, jobs, user layout. */
#ifndef FROBOS_ABI_H
#define FROBOS_ABI_H

/* System calls: number in EAX, arguments in EBX, ECX, EDX; result in EAX (negative = error).
 * Entered with `int 0x80`, or with `sysenter` (then ECX = user ESP, EDX = user return EIP). */
#define SYS_EXIT    1   /* exit(code)                 -> does not return */
#define SYS_FORK    2   /* fork()                     -> child pid / 0 in the child */
#define SYS_WRITE   3   /* write(fd=1, buf, len)      -> len (COM1) */
#define SYS_GETPID  4   /* getpid()                   -> pid */
#define SYS_WAITPID 5   /* waitpid(pid or -1)         -> the child's exit code (0..255) */
#define SYS_BRK     6   /* brk(addr or 0)             -> the new (or current) break */
#define SYS_YIELD   7   /* yield()                    -> 0 */
#define SYS_IOREQ   8   /* ioreq(value)               -> a device round trip (iomix's "driver") */
#define SYS_MAX     8

/* Jobs the kernel starts a user process with: u_start(job, arg). */
#define JOB_NANO_SYSCALL  1   /* arg = iterations, int 0x80 */
#define JOB_NANO_SYSENTER 2   /* arg = iterations, sysenter */
#define JOB_FORKWAIT      3   /* arg = fork/exit/wait cycles */
#define JOB_COMPUTE       4   /* arg = KiB of input */
#define JOB_IOMIX         5   /* arg = requests */
#define JOB_CRASH         6   /* reads an unmapped user address (checks the panic path) */

/* User address space. The user image (code and data) is linked at USER_BASE; the heap follows it. */
#define USER_BASE       0x00400000u
#define USER_STACK_TOP  0xBFFFF000u
#define USER_STACK_SIZE 0x00040000u   /* 256 KiB, demand-allocated below the top page */
#define USER_TOP        0xC0000000u

#endif
