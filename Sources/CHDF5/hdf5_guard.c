/* The two walls around libhdf5 in the contained reader (Foreign/Internals/HDF5+Read.swift):
 * a check of the file's global heap collections before libhdf5 reads a
 * variable-length string from one, and a seccomp filter that leaves the reader
 * nothing but reading the file it has open and writing to its pipe.
 * Neither calls libhdf5. */
#define _GNU_SOURCE
#include "CHDF5.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

/* ---- Global heap collections ------------------------------------------------
 * Layout (HDF5 file format specification, "Global Heap"): "GCOL", version 1, three
 * reserved bytes, the collection's size (size-of-lengths bytes, the size including
 * this header); then objects, each: heap index (2), reference count (2), reserved
 * (4), object size (size-of-lengths), the object's bytes padded to a multiple of 8.
 * Index 0 is the free space, whose size includes its own header.
 *
 * libhdf5 1.10.8 (Debian bookworm) trusts every object size: an object larger
 * than its collection is copied by H5HG_read with memcpy from past the end of the
 * collection's buffer (an out-of-bounds read, overlapping the destination when
 * large), and a free-space object of size 0 makes the collection's parser loop
 * forever (1.14.6 too). libhdf5 reads a collection only where a variable-length
 * value names it, and the reader reads such values only in string attributes: the
 * collection each one names is checked (check_heap_id) before libhdf5 reads it.
 * Bytes that merely look like a collection (a tensor holding "GCOL\1") are data. */

static uint64_t le(const uint8_t *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* 0 when the collection at `at` is sound; otherwise writes why. */
static int check_collection(const uint8_t *map, size_t size, size_t at, unsigned lengths, char *why, size_t why_size) {
    size_t header = 8 + lengths;
    if (size - at < header) {
        snprintf(why, why_size, "the global heap collection at offset %zu is cut off by the end of the file", at);
        return -1;
    }
    uint64_t total = le(map + at + 8, lengths);
    if (total < 4096 || total > size - at) {
        snprintf(why, why_size,
                 "the global heap collection at offset %zu claims %llu bytes (at least 4096, and at most the %zu "
                 "left in the file)", at, (unsigned long long)total, size - at);
        return -1;
    }
    uint8_t seen[65536 / 8];
    memset(seen, 0, sizeof seen);
    size_t p = at + header, end = at + (size_t)total;
    while (p < end) {
        if (end - p < header) break; /* too small for an object: free space */
        unsigned index = (unsigned)le(map + p, 2);
        uint64_t object = le(map + p + 8, lengths);
        uint64_t need;
        if (index == 0) {
            need = object; /* the free space, its header included */
            if (need < header || need > end - p) {
                snprintf(why, why_size,
                         "the global heap collection at offset %zu has a free space of %llu bytes at offset %zu "
                         "(at least %zu, and at most the %zu left in the collection)",
                         at, (unsigned long long)object, p, header, end - p);
                return -1;
            }
        } else {
            need = object > end - p ? UINT64_MAX : header + ((object + 7) & ~(uint64_t)7);
            if (need > end - p) {
                snprintf(why, why_size,
                         "object %u of the global heap collection at offset %zu claims %llu bytes; only %zu are "
                         "left in the collection", index, at, (unsigned long long)object, end - p - header);
                return -1;
            }
            if (seen[index / 8] & (1u << (index % 8))) {
                snprintf(why, why_size, "the global heap collection at offset %zu holds object %u twice", at, index);
                return -1;
            }
            seen[index / 8] |= (uint8_t)(1u << (index % 8));
        }
        p += (size_t)need;
    }
    return 0;
}

/* ---- The strings' heap ids ---------------------------------------------------
 * A variable-length string is stored in its attribute as its length (4 bytes), the
 * address of its global heap collection (size-of-offsets bytes, relative to the
 * superblock's base address) and its index in the collection (4 bytes). libhdf5
 * 1.10.8 looks the index up without checking it against the collection's table
 * (a read past the table: the `hid60000` case of the hostile suite), and 1.14 copies
 * the object into a buffer sized by the stored length. So the attributes of an
 * object header are read here, before libhdf5 reads one: object header versions 1
 * and 2 with their continuation chunks, attribute message versions 1 to 3. */

struct view {
    const uint8_t *map;
    size_t size;
    unsigned offsets, lengths;
    uint64_t base;
};

/* The superblock's sizes and base address; 0, or -1 when there is none this code reads. */
static int read_superblock(struct view *v) {
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (size_t at = 0; at + 48 <= v->size; at = at ? at * 2 : 512) {
        if (memcmp(v->map + at, signature, 8) != 0) continue;
        unsigned version = v->map[at + 8];
        size_t base_at;
        if (version <= 1) {
            v->offsets = v->map[at + 13];
            v->lengths = v->map[at + 14];
            base_at = at + (version == 0 ? 24 : 28);
        } else if (version <= 3) {
            v->offsets = v->map[at + 9];
            v->lengths = v->map[at + 10];
            base_at = at + 12;
        } else {
            return -1;
        }
        if ((v->offsets != 2 && v->offsets != 4 && v->offsets != 8) ||
            (v->lengths != 2 && v->lengths != 4 && v->lengths != 8) || base_at + v->offsets > v->size)
            return -1;
        v->base = le(v->map + base_at, v->offsets);
        return 0;
    }
    return -1;
}

/* The size of object `index` of the (already checked) collection at `at`; -1 when
 * the collection holds no such object. */
static int64_t heap_object_size(const struct view *v, size_t at, unsigned index) {
    size_t header = 8 + v->lengths;
    size_t p = at + header, end = at + (size_t)le(v->map + at + 8, v->lengths);
    while (p < end && end - p >= header) {
        unsigned i = (unsigned)le(v->map + p, 2);
        uint64_t object = le(v->map + p + 8, v->lengths);
        if (i == 0) break;
        if (i == index) return (int64_t)object;
        p += header + (size_t)((object + 7) & ~(uint64_t)7);
    }
    return -1;
}

struct header_walk {
    const struct view *v;
    char *why;
    size_t why_size;
    /* Chunks still to read: file offset, length, version of the header. */
    size_t chunk_at[64], chunk_length[64];
    unsigned chunks, next;
};

#define MGK_BAD(w, ...) (snprintf((w)->why, (w)->why_size, __VA_ARGS__), -1)

/* One heap id of a string attribute: 0 or -1. */
static int check_heap_id(struct header_walk *w, const uint8_t *id, const char *name) {
    const struct view *v = w->v;
    uint64_t length = le(id, 4), address = le(id + 4, v->offsets);
    unsigned index = (unsigned)le(id + 4 + v->offsets, 4);
    if (address == 0) return 0; /* no string: libhdf5 reads nothing */
    uint64_t at = v->base + address;
    if (at < address || at > v->size || v->size - at < 8 + v->lengths || memcmp(v->map + at, "GCOL\x01", 5) != 0)
        return MGK_BAD(w, "the string of attribute \"%s\" names a global heap collection at offset %llu, where "
                          "there is none", name, (unsigned long long)at);
    if (check_collection(v->map, v->size, (size_t)at, v->lengths, w->why, w->why_size) != 0) return -1;
    int64_t size = index ? heap_object_size(v, (size_t)at, index) : -1;
    if (size < 0)
        return MGK_BAD(w, "the string of attribute \"%s\" names object %u of the global heap collection at offset "
                          "%llu, which holds no such object", name, index, (unsigned long long)at);
    if ((uint64_t)size != length)
        return MGK_BAD(w, "the string of attribute \"%s\" claims %llu bytes; its global heap object holds %lld",
                       name, (unsigned long long)length, (long long)size);
    return 0;
}

/* One attribute message: 0, -1, or 1 (not readable here). */
static int check_attribute(struct header_walk *w, const uint8_t *d, size_t size) {
    const struct view *v = w->v;
    if (size < 8) return MGK_BAD(w, "an attribute message of %zu bytes", size);
    unsigned version = d[0], flags = version >= 2 ? d[1] : 0;
    size_t name_size = (size_t)le(d + 2, 2), type_size = (size_t)le(d + 4, 2), space_size = (size_t)le(d + 6, 2);
    if (version < 1 || version > 3 || (flags & 0x03)) return 1; /* shared datatype or dataspace */
    size_t at = version == 3 ? 9 : 8;
#define MGK_PAD(n) (version == 1 ? (((n) + 7) & ~(size_t)7) : (n))
    size_t name_at = at, type_at = name_at + MGK_PAD(name_size), space_at = type_at + MGK_PAD(type_size);
    size_t data_at = space_at + MGK_PAD(space_size);
#undef MGK_PAD
    if (name_size > size || type_size > size || space_size > size || data_at > size || type_at > size ||
        space_at > size)
        return MGK_BAD(w, "an attribute message whose parts run past its %zu bytes", size);
    char name[64];
    size_t n = name_size && d[name_at + name_size - 1] == 0 ? name_size - 1 : name_size;
    snprintf(name, sizeof name, "%.*s", (int)(n < 48 ? n : 48), (const char *)d + name_at);
    for (char *c = name; *c; c++) if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
    /* A variable-length string: class 9, type 1. Other attributes are not read by
     * libhdf5 from the global heap. */
    if (type_size < 8 || (d[type_at] & 0x0f) != 9 || (d[type_at + 1] & 0x0f) != 1) return 0;
    /* Its characters: the base type after the 8 bytes of the string's own, of one
     * byte each (libhdf5 sizes its conversion buffer by length times this size:
     * 52 GB on a file the keras fuzzer made). */
    uint64_t character = type_size >= 16 ? le(d + type_at + 12, 4) : 0;
    if (character != 1)
        return MGK_BAD(w, "the strings of attribute \"%s\" are made of %llu-byte characters", name,
                       (unsigned long long)character);
    /* The dataspace: the number of elements. */
    const uint8_t *s = d + space_at;
    if (space_size < 4) return MGK_BAD(w, "attribute \"%s\" has a dataspace of %zu bytes", name, space_size);
    unsigned space_version = s[0], rank = s[1];
    size_t dims_at;
    if (space_version == 1) dims_at = 8;
    else if (space_version == 2) {
        if (s[3] == 2) return 0; /* null: no elements */
        dims_at = 4;
    } else return 1;
    if (rank > 32 || dims_at + (size_t)rank * v->lengths > space_size)
        return MGK_BAD(w, "attribute \"%s\" has a dataspace of rank %u in %zu bytes", name, rank, space_size);
    uint64_t elements = 1;
    size_t id_size = 8 + v->offsets, room = (size - data_at) / id_size;
    for (unsigned i = 0; i < rank; i++) {
        uint64_t dim = le(s + dims_at + (size_t)i * v->lengths, v->lengths);
        if (dim != 0 && elements > room / dim) elements = room + 1;
        else elements *= dim;
    }
    if (elements > room)
        return MGK_BAD(w, "attribute \"%s\" claims more strings than its %zu bytes hold", name, size - data_at);
    for (uint64_t i = 0; i < elements; i++)
        if (check_heap_id(w, d + data_at + i * id_size, name) != 0) return -1;
    return 0;
}

static int check_local_heap(const struct view *v, uint64_t address, char *why, size_t why_size);

/* The messages of one chunk [p, end) of a header of `version`: 0, -1 or 1. */
static int check_messages(struct header_walk *w, size_t p, size_t end, unsigned version, unsigned header_flags) {
    const struct view *v = w->v;
    int unreadable = 0;
    size_t prefix = version == 1 ? 8 : 4 + ((header_flags & 0x04) ? 2 : 0);
    while (p < end && end - p >= prefix) {
        unsigned type = version == 1 ? (unsigned)le(v->map + p, 2) : v->map[p];
        size_t size = (size_t)le(v->map + p + (version == 1 ? 2 : 1), 2);
        unsigned flags = v->map[p + (version == 1 ? 4 : 3)];
        size_t data = p + prefix;
        if (size > end - data)
            return MGK_BAD(w, "a header message at offset %zu runs past its chunk", p);
        const uint8_t *d = v->map + data;
        if (type == 0x10) { /* continuation */
            if (size < (size_t)v->offsets + v->lengths) return MGK_BAD(w, "a continuation message of %zu bytes", size);
            uint64_t at = v->base + le(d, v->offsets), length = le(d + v->offsets, v->lengths);
            if (at > v->size || length > v->size - at)
                return MGK_BAD(w, "a header continues at offset %llu, past the end of the file",
                               (unsigned long long)at);
            if (w->chunks == sizeof w->chunk_at / sizeof *w->chunk_at) return 1;
            w->chunk_at[w->chunks] = (size_t)at;
            w->chunk_length[w->chunks++] = (size_t)length;
        } else if (type == 0x11) { /* symbol table: the group's B-tree and local heap */
            if (size < 2 * (size_t)v->offsets) return MGK_BAD(w, "a symbol table message of %zu bytes", size);
            if (check_local_heap(v, le(d + v->offsets, v->offsets), w->why, w->why_size) != 0) return -1;
        } else if (type == 0x15) { /* attribute info: dense storage when its heap is defined */
            size_t heap_at = 2 + ((size >= 2 && (d[1] & 0x01)) ? 2 : 0);
            if (heap_at + v->offsets > size) return MGK_BAD(w, "an attribute info message of %zu bytes", size);
            uint64_t heap = le(d + heap_at, v->offsets);
            uint64_t undefined = v->offsets == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * v->offsets)) - 1);
            if (heap != undefined) unreadable = 1;
        } else if (type == 0x0c) {
            if (flags & 0x02) unreadable = 1; /* a shared attribute message */
            else {
                int r = check_attribute(w, d, size);
                if (r < 0) return r;
                if (r > 0) unreadable = 1;
            }
        }
        p = data + size;
    }
    return unreadable;
}

haddr_t mgk_h5_root_header_address(int fd) {
    struct stat info;
    if (fstat(fd, &info) != 0 || info.st_size <= 0) return HADDR_UNDEF;
    struct view v = {.size = (size_t)info.st_size};
    const uint8_t *map = mmap(NULL, v.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return HADDR_UNDEF;
    v.map = map;
    haddr_t address = HADDR_UNDEF;
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (read_superblock(&v) == 0) {
        for (size_t at = 0; at + 48 <= v.size; at = at ? at * 2 : 512) {
            if (memcmp(map + at, signature, 8) != 0) continue;
            unsigned version = map[at + 8];
            /* Versions 0 and 1: the base, free-space, end-of-file and driver addresses,
             * then the root's symbol table entry (its name's offset, then its header's
             * address). Versions 2 and 3: the base, extension and end-of-file
             * addresses, then the root's header address. */
            size_t field = version == 0 ? at + 24 + 5 * (size_t)v.offsets
                         : version == 1 ? at + 28 + 5 * (size_t)v.offsets
                                        : at + 12 + 3 * (size_t)v.offsets;
            if (field + v.offsets <= v.size) address = (haddr_t)le(map + field, v.offsets);
            break;
        }
    }
    munmap((void *)map, v.size);
    return address;
}

int mgk_h5_check_string_attributes(int fd, haddr_t address, char *why, size_t why_size) {
    struct stat info;
    if (fstat(fd, &info) != 0 || info.st_size <= 0) return 1;
    struct view v = {.size = (size_t)info.st_size};
    const uint8_t *map = mmap(NULL, v.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return 1;
    v.map = map;
    int result = 1;
    struct header_walk w = {.v = &v, .why = why, .why_size = why_size};
    if (read_superblock(&v) != 0 || address == HADDR_UNDEF) goto done;
    uint64_t at = v.base + (uint64_t)address;
    if (at < v.base || at > v.size || v.size - at < 16) {
        result = MGK_BAD(&w, "an object header at offset %llu, past the end of the file", (unsigned long long)at);
        goto done;
    }
    const uint8_t *h = map + at;
    unsigned version, flags = 0;
    size_t first, first_end;
    if (h[0] == 1) {
        version = 1;
        first = (size_t)at + 16;
        first_end = first + (size_t)le(h + 8, 4);
    } else if (memcmp(h, "OHDR", 4) == 0 && h[4] == 2) {
        version = 2;
        flags = h[5];
        size_t p = 6 + ((flags & 0x20) ? 16 : 0) + ((flags & 0x10) ? 4 : 0);
        unsigned n = 1u << (flags & 0x03);
        if (v.size - at < p + n) goto bad_header;
        first = (size_t)at + p + n;
        first_end = first + (size_t)le(h + p, n);
    } else {
        goto done; /* not a header this code reads */
    }
    if (first_end < first || first_end > v.size) goto bad_header;
    result = check_messages(&w, first, first_end, version, flags);
    while (result >= 0 && w.next < w.chunks) {
        size_t c = w.chunk_at[w.next], length = w.chunk_length[w.next];
        w.next++;
        int r;
        if (version == 1) r = check_messages(&w, c, c + length, 1, 0);
        else if (length >= 8 && memcmp(map + c, "OCHK", 4) == 0) r = check_messages(&w, c + 4, c + length - 4, 2, flags);
        else r = MGK_BAD(&w, "a header continuation chunk at offset %zu without its signature", c);
        if (r < 0) result = r;
        else if (r > 0) result = 1;
    }
    goto done;
bad_header:
    result = MGK_BAD(&w, "the object header at offset %llu runs past the end of the file", (unsigned long long)at);
done:
    munmap((void *)map, v.size);
    return result;
}

/* ---- Local heaps ----------------------------------------------------------------
 * "HEAP", version 0, three reserved bytes, the data segment's size and the offset
 * of its free list (size-of-lengths bytes each), the data segment's address
 * (size-of-offsets). libhdf5 1.10.8 adds the size to the prefix's without checking
 * it and asks realloc for the sum: 2^64 - 136 bytes on a file the keras fuzzer
 * made (refused by glibc, fatal under AddressSanitizer). libhdf5 reads a local heap
 * only where a group names it: its symbol table message (checked with the group's
 * header, before libhdf5 opens it) and, for the root group of a version 0/1
 * superblock, the symbol table entry's cached addresses (checked here, before the
 * file is opened). Only those are checked: bytes that merely look like a heap (a
 * tensor holding "HEAP\0") are data, and must not make a sound file fail. */
static int check_local_heap(const struct view *v, uint64_t address, char *why, size_t why_size) {
    uint64_t undefined = v->offsets == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * v->offsets)) - 1);
    if (address == undefined) return 0;
    uint64_t at = v->base + address;
    size_t prefix = 8 + 2 * (size_t)v->lengths + v->offsets;
    if (at < v->base || at > v->size || v->size - at < prefix || memcmp(v->map + at, "HEAP\0", 5) != 0) {
        snprintf(why, why_size, "a group names a local heap at offset %llu, where there is none",
                 (unsigned long long)at);
        return -1;
    }
    const uint8_t *p = v->map + at;
    uint64_t size = le(p + 8, v->lengths), data_address = le(p + 8 + 2 * v->lengths, v->offsets);
    uint64_t data = v->base + data_address;
    if (size != 0 && data_address != undefined && (data < v->base || data > v->size || size > v->size - data)) {
        snprintf(why, why_size,
                 "the local heap at offset %llu claims %llu bytes of names at offset %llu, past the end of "
                 "the file (%zu bytes)", (unsigned long long)at, (unsigned long long)size,
                 (unsigned long long)data, v->size);
        return -1;
    }
    return 0;
}

int mgk_h5_check_local_heaps(int fd, char *why, size_t why_size) {
    struct stat info;
    if (fstat(fd, &info) != 0 || info.st_size <= 0) return 0;
    struct view v = {.size = (size_t)info.st_size};
    const uint8_t *map = mmap(NULL, v.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) return 0;
    v.map = map;
    int result = 0;
    static const uint8_t signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (read_superblock(&v) == 0) {
        for (size_t at = 0; at + 48 <= v.size; at = at ? at * 2 : 512) {
            if (memcmp(map + at, signature, 8) != 0) continue;
            unsigned version = map[at + 8];
            if (version > 1) break;
            /* The root's symbol table entry: name offset, header address, cache type
             * (4), reserved (4), scratch pad: B-tree and local heap addresses when the
             * cache type is 1. */
            size_t entry = (version == 0 ? at + 24 : at + 28) + 4 * (size_t)v.offsets;
            size_t cache = entry + 2 * (size_t)v.offsets;
            if (cache + 8 + 2 * (size_t)v.offsets <= v.size && le(map + cache, 4) == 1)
                result = check_local_heap(&v, le(map + cache + 8 + v.offsets, v.offsets), why, why_size);
            break;
        }
    }
    munmap((void *)map, v.size);
    return result;
}

/* ---- The seccomp filter ----------------------------------------------------- */

/* Under AddressSanitizer (the ASan suite, the fuzzers) the reader must stay able to
 * report a memory error and write libFuzzer's crash file: no filter there. Decided
 * when the image loads: dlsym after a fork could wait forever on a lock that
 * another thread of the parent held. */
static int sanitized;
__attribute__((constructor)) static void detect_sanitizer(void) {
    sanitized = dlsym(RTLD_DEFAULT, "__asan_init") != NULL;
}

int mgk_h5_confinement_is_off(void) {
    return sanitized;
}

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#if defined(__x86_64__)
#define MGK_AUDIT_ARCH AUDIT_ARCH_X86_64
#else
#define MGK_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define MGK_LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define MGK_LOAD_ARG_LO(n) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[n]))
#define MGK_ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define MGK_KILL(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

int mgk_h5_confine(int pipe_fd) {
    if (mgk_h5_confinement_is_off()) {
        errno = ENOTSUP;
        return -1;
    }
    unsigned self = (unsigned)getpid();
    struct sock_filter program[] = {
        /* Another architecture's system call numbers (x86-64's i386 entry): killed. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MGK_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        MGK_LOAD_NR,
#if defined(__x86_64__)
        /* x32 numbers. */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
        /* Reading the open file, and memory. */
        MGK_ALLOW(__NR_read), MGK_ALLOW(__NR_pread64), MGK_ALLOW(__NR_readv), MGK_ALLOW(__NR_preadv),
        MGK_ALLOW(__NR_lseek), MGK_ALLOW(__NR_fstat), MGK_ALLOW(__NR_newfstatat), MGK_ALLOW(__NR_close), MGK_ALLOW(__NR_flock),
        MGK_ALLOW(__NR_mmap), MGK_ALLOW(__NR_munmap), MGK_ALLOW(__NR_mremap), MGK_ALLOW(__NR_brk),
        MGK_ALLOW(__NR_madvise), MGK_ALLOW(__NR_futex), MGK_ALLOW(__NR_clock_gettime), MGK_ALLOW(__NR_gettimeofday),
        MGK_ALLOW(__NR_getpid), MGK_ALLOW(__NR_gettid), MGK_ALLOW(__NR_rt_sigprocmask),
        MGK_ALLOW(__NR_rt_sigreturn), MGK_ALLOW(__NR_sched_yield), MGK_ALLOW(__NR_exit), MGK_ALLOW(__NR_exit_group),
        /* Starting a program: only a compromised reader would. */
        MGK_KILL(__NR_execve), MGK_KILL(__NR_execveat),
        /* mprotect without PROT_EXEC (malloc's arenas). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
        MGK_LOAD_ARG_LO(2),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        /* write: to the pipe and to standard error only. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, 5),
        MGK_LOAD_ARG_LO(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)pipe_fd, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* tgkill: to itself only (abort). */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 0, 4),
        MGK_LOAD_ARG_LO(0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* Everything else (opening files, sockets, signals to others, …) fails with
         * EPERM: libhdf5 then reports an error (a filter plugin it cannot load) rather
         * than the reader being killed on a file it could have read. */
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog fprog = {.len = (unsigned short)(sizeof program / sizeof *program), .filter = program};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0) return -1;
    return 0;
}
#else
int mgk_h5_confine(int pipe_fd) {
    (void)pipe_fd;
    errno = ENOSYS;
    return -1;
}
#endif
