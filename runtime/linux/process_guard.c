/* Keeping the runtime binary out of the container (the CVE-2019-5736
 * class). The init is a clone of the runtime, so until it execs the
 * workload its /proc/self/exe is the host's bulwark binary. It is
 * non-dumpable with a host-owned mm meanwhile, so no container process can
 * open /proc/<init>/exe; what is left is the init exec'ing that binary
 * itself (args[0] = /proc/self/exe, a "#!/proc/self/exe" script, an ELF
 * whose interpreter is /proc/self/exe), which would hand the container a
 * process whose exe is the host file, writable through /proc/<pid>/exe once
 * it exits. The project does not re-exec the runtime from a sealed memfd
 * (no second exec on the start path), so the init refuses any exec chain
 * that reaches the runtime's own inode. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "linux_process.h"

/* The kernel follows at most 5 levels of interpreters (BINPRM_MAX_RECURSION
 * is 4, plus the file itself). */
#define MAX_LEVELS 6

/* "#!interp args": the interpreter into `out`. */
static bool
script_interpreter (const char *head, size_t n, char *out, size_t size)
{
  if (n < 2 || head[0] != '#' || head[1] != '!')
    return false;
  size_t i = 2;
  while (i < n && (head[i] == ' ' || head[i] == '\t'))
    i++;
  size_t start = i;
  while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0')
    i++;
  if (i == start || i - start >= size)
    return false;
  memcpy (out, head + start, i - start);
  out[i - start] = '\0';
  return true;
}

/* PT_INTERP of an ELF file, 32 or 64 bit. */
static bool
elf_interpreter (int fd, const unsigned char *head, size_t n, char *out, size_t size)
{
  if (n < EI_NIDENT || memcmp (head, ELFMAG, SELFMAG) != 0)
    return false;
  bool is64 = head[EI_CLASS] == ELFCLASS64;
  uint64_t phoff;
  unsigned phnum, phentsize;
  if (is64 && n >= sizeof (Elf64_Ehdr))
    {
      const Elf64_Ehdr *e = (const Elf64_Ehdr *) head;
      phoff = e->e_phoff, phnum = e->e_phnum, phentsize = e->e_phentsize;
    }
  else if (!is64 && n >= sizeof (Elf32_Ehdr))
    {
      const Elf32_Ehdr *e = (const Elf32_Ehdr *) head;
      phoff = e->e_phoff, phnum = e->e_phnum, phentsize = e->e_phentsize;
    }
  else
    return false;
  for (unsigned i = 0; i < phnum && i < 256; i++)
    {
      union { Elf64_Phdr p64; Elf32_Phdr p32; } ph;
      size_t want = is64 ? sizeof ph.p64 : sizeof ph.p32;
      if (phentsize < want || pread (fd, &ph, want, phoff + (uint64_t) i * phentsize) != (ssize_t) want)
        return false;
      uint32_t type = is64 ? ph.p64.p_type : ph.p32.p_type;
      if (type != PT_INTERP)
        continue;
      uint64_t off = is64 ? ph.p64.p_offset : ph.p32.p_offset;
      uint64_t len = is64 ? ph.p64.p_filesz : ph.p32.p_filesz;
      if (len == 0 || len >= size)
        return false;
      ssize_t got = pread (fd, out, len, off);
      if (got <= 0)
        return false;
      out[got] = '\0';
      return true;
    }
  return false;
}

int
process_refuse_runtime_exec (const char *path, int procfd, struct bw_error *err)
{
  struct stat runtime, st;
  if (fstatat (procfd, "self/exe", &runtime, 0) < 0)
    return bw_error_syscall (err, "stat the runtime binary (/proc/self/exe)");
  char current[PATH_MAX], next[PATH_MAX];
  snprintf (current, sizeof current, "%s", path);
  for (int level = 0; level < MAX_LEVELS; level++)
    {
      _cleanup_close_ int fd = open (current, O_RDONLY | O_CLOEXEC);
      int ret = fd >= 0 ? fstat (fd, &st) : stat (current, &st);
      if (ret < 0)
        return 0;  /* execve will report it */
      if (st.st_dev == runtime.st_dev && st.st_ino == runtime.st_ino)
        return bw_error_set (err, EPERM,
                             "exec \"%s\": refusing to execute the runtime binary (%s%s) inside "
                             "the container", path, level ? "via interpreter " : "",
                             level ? current : path);
      if (fd < 0)
        return 0;  /* execute-only: its interpreter cannot be read, nor by us */
      unsigned char head[512];
      ssize_t n = pread (fd, head, sizeof head, 0);
      if (n <= 0)
        return 0;
      if (!script_interpreter ((const char *) head, n, next, sizeof next)
          && !elf_interpreter (fd, head, n, next, sizeof next))
        return 0;
      memcpy (current, next, sizeof current);
    }
  return 0;
}
