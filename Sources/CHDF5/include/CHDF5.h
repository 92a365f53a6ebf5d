/* libhdf5's C API, loaded at run time (hdf5_loader.c): nothing links libhdf5, so
 * a program that never reads or writes a Keras `.weights.h5`/`.keras` file never
 * loads it, nor what Debian's build drags in (libcurl and its TLS, Kerberos and
 * LDAP stack, for the ROS3 driver nobody here uses). The declarations are
 * hdf5.h's (Debian: libhdf5-dev, at build time only); the functions of it that
 * Foreign/Internals/HDF5.swift calls are defined in hdf5_loader.c and call
 * through pointers resolved by mgk_hdf5_load(), which must succeed first.
 *
 * HDF5 1.10 to 1.14 are accepted: every function, enum value and struct used
 * here has the same ABI across them (H5Lget_info is H5Lget_info1 from 1.12). */
#ifndef MGK_CHDF5_H
#define MGK_CHDF5_H
#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#include <hdf5.h>
#endif

/* Loads libhdf5 once (thread-safe): $TFMETA_HDF5_LIBRARY when set; else a
 * `hdf5/libhdf5.so` beside the image holding this code (the Python wheel ships
 * one); else the system's (libhdf5_serial.so.103, libhdf5.so.103,
 * libhdf5.so.310). Returns 0, or -1 and mgk_hdf5_error() says why. */
int mgk_hdf5_load(void);
/* Why the load failed (NULL when it did not). */
const char *mgk_hdf5_error(void);
/* The file the loaded libhdf5 came from (NULL before a successful load). */
const char *mgk_hdf5_path(void);

/* The predefined ids hdf5.h names with macros over the library's globals. */
hid_t mgk_h5t_ieee_f32le(void);
hid_t mgk_h5t_ieee_f64le(void);
hid_t mgk_h5t_std_i8le(void);
hid_t mgk_h5t_std_i16le(void);
hid_t mgk_h5t_std_i32le(void);
hid_t mgk_h5t_std_i64le(void);
hid_t mgk_h5t_std_u8le(void);
hid_t mgk_h5t_std_u16le(void);
hid_t mgk_h5t_std_u32le(void);
hid_t mgk_h5t_std_u64le(void);
hid_t mgk_h5t_native_int8(void);
hid_t mgk_h5t_c_s1(void);
hid_t mgk_h5p_file_access(void);
hid_t mgk_h5p_dataset_create(void);

/* Plain constants (hdf5.h's H5F_ACC_* macros also call H5check(), which would
 * refuse a library of another version than the headers'). */
static inline unsigned mgk_h5f_acc_rdonly(void) { return 0x0000u; }
static inline unsigned mgk_h5f_acc_trunc(void) { return 0x0002u; }
static inline haddr_t mgk_haddr_undef(void) { return HADDR_UNDEF; }
static inline size_t mgk_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t mgk_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mgk_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t mgk_h5s_all(void) { return H5S_ALL; }

/* The contained reader's walls (hdf5_guard.c; neither calls libhdf5).
 * Checks the local heap (group names) that the root group's cached symbol table
 * names in a version 0/1 superblock of the open file `fd`: its data segment within
 * the file (every other group's is checked with its header). 0, or -1 with `why`
 * set. */
int mgk_h5_check_local_heaps(int fd, char *why, size_t why_size);
/* Confines the calling process with a seccomp filter: reading open files, memory,
 * writing to `pipe_fd` and standard error, exiting; any other system call fails
 * with EPERM, and exec kills it. Irreversible. 0, or -1 with errno (ENOTSUP
 * under AddressSanitizer, ENOSYS off Linux x86-64/arm64). */
int mgk_h5_confine(int pipe_fd);
/* 1 when mgk_h5_confine does nothing (an AddressSanitizer build). */
int mgk_h5_confinement_is_off(void);

/* The address of `object`'s header in its file (H5Oget_info1); HADDR_UNDEF when the
 * library cannot say. */
haddr_t mgk_object_header_address(hid_t object);
/* Checks the variable-length strings of every attribute stored in the object header
 * at `address` (relative to the superblock's base) of the open file `fd`: each
 * string's global heap collection sound, its heap index an object of it, of exactly
 * the string's stored length. 0 when all are; -1 with `why` set when one is not;
 * 1 when the header is not one this check can read through (dense attribute
 * storage, shared messages, an unknown version): then its strings are not read. */
int mgk_h5_check_string_attributes(int fd, haddr_t address, char *why, size_t why_size);

/* The address a hard link points to (H5Lget_info1); HADDR_UNDEF for any other link
 * or on failure. */
haddr_t mgk_link_address(hid_t loc, const char *name);
/* The root group's object header address, from the superblock of the open file `fd`
 * (HADDR_UNDEF when there is none this code reads). */
haddr_t mgk_h5_root_header_address(int fd);

/* 1 for a hard link, 0 for a soft, external or user-defined one, -1 on failure. */
int mgk_link_is_hard(hid_t loc, const char *name);
#endif
