/* Loads libhdf5 with dlopen and defines the hdf5.h functions MetaGraphKit calls
 * as calls through the pointers found in it (see include/CHDF5.h for why).
 * Each definition below is checked by the compiler against hdf5.h's declaration. */
#define _GNU_SOURCE
#include "CHDF5.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* (return type, name, parameters, arguments) of every function called. */
#define MGK_HDF5_FUNCTIONS(X) \
    X(herr_t, H5Aclose, (hid_t attr_id), (attr_id)) \
    X(hid_t, H5Acreate2, (hid_t loc_id, const char *attr_name, hid_t type_id, hid_t space_id, hid_t acpl_id, \
                          hid_t aapl_id), (loc_id, attr_name, type_id, space_id, acpl_id, aapl_id)) \
    X(ssize_t, H5Aget_name, (hid_t attr_id, size_t buf_size, char *buf), (attr_id, buf_size, buf)) \
    X(hid_t, H5Aget_space, (hid_t attr_id), (attr_id)) \
    X(hid_t, H5Aget_type, (hid_t attr_id), (attr_id)) \
    X(hid_t, H5Aopen_by_idx, (hid_t loc_id, const char *obj_name, H5_index_t idx_type, H5_iter_order_t order, \
                              hsize_t n, hid_t aapl_id, hid_t lapl_id), \
      (loc_id, obj_name, idx_type, order, n, aapl_id, lapl_id)) \
    X(herr_t, H5Aread, (hid_t attr_id, hid_t type_id, void *buf), (attr_id, type_id, buf)) \
    X(herr_t, H5Awrite, (hid_t attr_id, hid_t type_id, const void *buf), (attr_id, type_id, buf)) \
    X(herr_t, H5Dclose, (hid_t dset_id), (dset_id)) \
    X(hid_t, H5Dcreate2, (hid_t loc_id, const char *name, hid_t type_id, hid_t space_id, hid_t lcpl_id, \
                          hid_t dcpl_id, hid_t dapl_id), (loc_id, name, type_id, space_id, lcpl_id, dcpl_id, dapl_id)) \
    X(hid_t, H5Dget_create_plist, (hid_t dset_id), (dset_id)) \
    X(haddr_t, H5Dget_offset, (hid_t dset_id), (dset_id)) \
    X(hid_t, H5Dget_space, (hid_t dset_id), (dset_id)) \
    X(hsize_t, H5Dget_storage_size, (hid_t dset_id), (dset_id)) \
    X(hid_t, H5Dget_type, (hid_t dset_id), (dset_id)) \
    X(herr_t, H5Dread, (hid_t dset_id, hid_t mem_type_id, hid_t mem_space_id, hid_t file_space_id, hid_t dxpl_id, \
                        void *buf), (dset_id, mem_type_id, mem_space_id, file_space_id, dxpl_id, buf)) \
    X(herr_t, H5Eset_auto2, (hid_t estack_id, H5E_auto2_t func, void *client_data), (estack_id, func, client_data)) \
    X(herr_t, H5Fclose, (hid_t file_id), (file_id)) \
    X(hid_t, H5Fcreate, (const char *filename, unsigned flags, hid_t fcpl_id, hid_t fapl_id), \
      (filename, flags, fcpl_id, fapl_id)) \
    X(htri_t, H5Fis_hdf5, (const char *filename), (filename)) \
    X(hid_t, H5Fopen, (const char *filename, unsigned flags, hid_t fapl_id), (filename, flags, fapl_id)) \
    X(herr_t, H5Gclose, (hid_t group_id), (group_id)) \
    X(hid_t, H5Gcreate2, (hid_t loc_id, const char *name, hid_t lcpl_id, hid_t gcpl_id, hid_t gapl_id), \
      (loc_id, name, lcpl_id, gcpl_id, gapl_id)) \
    X(herr_t, H5Gget_info, (hid_t loc_id, H5G_info_t *ginfo), (loc_id, ginfo)) \
    X(hid_t, H5Gopen2, (hid_t loc_id, const char *name, hid_t gapl_id), (loc_id, name, gapl_id)) \
    X(H5I_type_t, H5Iget_type, (hid_t id), (id)) \
    X(htri_t, H5Lexists, (hid_t loc_id, const char *name, hid_t lapl_id), (loc_id, name, lapl_id)) \
    X(ssize_t, H5Lget_name_by_idx, (hid_t loc_id, const char *group_name, H5_index_t idx_type, \
                                    H5_iter_order_t order, hsize_t n, char *name, size_t size, hid_t lapl_id), \
      (loc_id, group_name, idx_type, order, n, name, size, lapl_id)) \
    X(herr_t, H5Oclose, (hid_t object_id), (object_id)) \
    X(hid_t, H5Oopen, (hid_t loc_id, const char *name, hid_t lapl_id), (loc_id, name, lapl_id)) \
    X(herr_t, H5Pclose, (hid_t plist_id), (plist_id)) \
    X(hid_t, H5Pcreate, (hid_t cls_id), (cls_id)) \
    X(int, H5Pget_external_count, (hid_t plist_id), (plist_id)) \
    X(H5D_layout_t, H5Pget_layout, (hid_t plist_id), (plist_id)) \
    X(int, H5Pget_nfilters, (hid_t plist_id), (plist_id)) \
    X(herr_t, H5Pset_alloc_time, (hid_t plist_id, H5D_alloc_time_t alloc_time), (plist_id, alloc_time)) \
    X(herr_t, H5Pset_fclose_degree, (hid_t fapl_id, H5F_close_degree_t degree), (fapl_id, degree)) \
    X(herr_t, H5Pset_fill_time, (hid_t plist_id, H5D_fill_time_t fill_time), (plist_id, fill_time)) \
    X(herr_t, H5Pset_layout, (hid_t plist_id, H5D_layout_t layout), (plist_id, layout)) \
    X(herr_t, H5Sclose, (hid_t space_id), (space_id)) \
    X(hid_t, H5Screate, (H5S_class_t type), (type)) \
    X(hid_t, H5Screate_simple, (int rank, const hsize_t dims[], const hsize_t maxdims[]), (rank, dims, maxdims)) \
    X(int, H5Sget_simple_extent_dims, (hid_t space_id, hsize_t dims[], hsize_t maxdims[]), (space_id, dims, maxdims)) \
    X(int, H5Sget_simple_extent_ndims, (hid_t space_id), (space_id)) \
    X(hssize_t, H5Sget_simple_extent_npoints, (hid_t space_id), (space_id)) \
    X(H5S_class_t, H5Sget_simple_extent_type, (hid_t space_id), (space_id)) \
    X(herr_t, H5Tclose, (hid_t type_id), (type_id)) \
    X(hid_t, H5Tcopy, (hid_t type_id), (type_id)) \
    X(hid_t, H5Tenum_create, (hid_t base_id), (base_id)) \
    X(herr_t, H5Tenum_insert, (hid_t type, const char *name, const void *value), (type, name, value)) \
    X(H5T_class_t, H5Tget_class, (hid_t type_id), (type_id)) \
    X(H5T_cset_t, H5Tget_cset, (hid_t type_id), (type_id)) \
    X(H5T_order_t, H5Tget_order, (hid_t type_id), (type_id)) \
    X(H5T_sign_t, H5Tget_sign, (hid_t type_id), (type_id)) \
    X(size_t, H5Tget_size, (hid_t type_id), (type_id)) \
    X(hid_t, H5Tget_super, (hid_t type), (type)) \
    X(htri_t, H5Tis_variable_str, (hid_t type_id), (type_id)) \
    X(herr_t, H5Tset_cset, (hid_t type_id, H5T_cset_t cset), (type_id, cset)) \
    X(herr_t, H5Tset_ebias, (hid_t type_id, size_t ebias), (type_id, ebias)) \
    X(herr_t, H5Tset_fields, (hid_t type_id, size_t spos, size_t epos, size_t esize, size_t mpos, size_t msize), \
      (type_id, spos, epos, esize, mpos, msize)) \
    X(herr_t, H5Tset_size, (hid_t type_id, size_t size), (type_id, size)) \
    X(herr_t, H5free_memory, (void *mem), (mem))

/* The library's globals behind hdf5.h's predefined-id macros (valid after H5open). */
#define MGK_HDF5_GLOBALS(X) \
    X(mgk_h5t_ieee_f32le, H5T_IEEE_F32LE_g) X(mgk_h5t_ieee_f64le, H5T_IEEE_F64LE_g) \
    X(mgk_h5t_std_i8le, H5T_STD_I8LE_g) X(mgk_h5t_std_i16le, H5T_STD_I16LE_g) \
    X(mgk_h5t_std_i32le, H5T_STD_I32LE_g) X(mgk_h5t_std_i64le, H5T_STD_I64LE_g) \
    X(mgk_h5t_std_u8le, H5T_STD_U8LE_g) X(mgk_h5t_std_u16le, H5T_STD_U16LE_g) \
    X(mgk_h5t_std_u32le, H5T_STD_U32LE_g) X(mgk_h5t_std_u64le, H5T_STD_U64LE_g) \
    X(mgk_h5t_native_int8, H5T_NATIVE_INT8_g) X(mgk_h5t_c_s1, H5T_C_S1_g) \
    X(mgk_h5p_file_access, H5P_CLS_FILE_ACCESS_ID_g) X(mgk_h5p_dataset_create, H5P_CLS_DATASET_CREATE_ID_g)

#define MGK_POINTER(ret, name, params, args) static ret(*p_##name) params;
MGK_HDF5_FUNCTIONS(MGK_POINTER)
#define MGK_GLOBAL_POINTER(fn, global) static const hid_t *g_##global;
MGK_HDF5_GLOBALS(MGK_GLOBAL_POINTER)
static herr_t (*p_H5open)(void);
static herr_t (*p_H5get_libversion)(unsigned *, unsigned *, unsigned *);
static herr_t (*p_H5Lget_info1)(hid_t, const char *, H5L_info_t *, hid_t);
/* H5Oget_info1 (1.10 to 1.14, deprecated from 1.12), whose H5O_info1_t begins with
 * the file number and the object header's address in every version. */
static herr_t (*p_H5Oget_info1)(hid_t, void *);

/* Not loaded: fail as libhdf5 fails (every caller loads first; this only keeps a
 * mistake from jumping to NULL). */
#define MGK_TRAMPOLINE(ret, name, params, args) \
    ret name params { return p_##name ? p_##name args : (ret)-1; }
MGK_HDF5_FUNCTIONS(MGK_TRAMPOLINE)

#define MGK_GLOBAL_GETTER(fn, global) \
    hid_t fn(void) { return p_H5open && p_H5open() >= 0 ? *g_##global : (hid_t)-1; }
MGK_HDF5_GLOBALS(MGK_GLOBAL_GETTER)

int mgk_link_is_hard(hid_t loc, const char *name) {
    H5L_info_t info;
    if (!p_H5Lget_info1 || p_H5Lget_info1(loc, name, &info, H5P_DEFAULT) < 0) return -1;
    return info.type == H5L_TYPE_HARD ? 1 : 0;
}

haddr_t mgk_object_header_address(hid_t object) {
    union {
        struct {
            unsigned long fileno;
            haddr_t addr;
        } head;
        unsigned char bytes[1024]; /* sizeof(H5O_info1_t) is about 160 */
        long double align;
    } info;
    if (!p_H5Oget_info1 || p_H5Oget_info1(object, &info) < 0) return HADDR_UNDEF;
    return info.head.addr;
}

haddr_t mgk_link_address(hid_t loc, const char *name) {
    H5L_info_t info;
    if (!p_H5Lget_info1 || p_H5Lget_info1(loc, name, &info, H5P_DEFAULT) < 0 || info.type != H5L_TYPE_HARD)
        return HADDR_UNDEF;
    return info.u.address;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char error_text[1024];
static char loaded_path[4096];
static int loaded;

/* Resolves every symbol from `h`; 0, or -1 with error_text set. */
static int resolve(void *h, const char *file) {
#define MGK_RESOLVE(ret, name, params, args) \
    if (!(p_##name = (ret(*) params)dlsym(h, #name))) goto missing_##name;
    MGK_HDF5_FUNCTIONS(MGK_RESOLVE)
#define MGK_RESOLVE_GLOBAL(fn, global) \
    if (!(g_##global = (const hid_t *)dlsym(h, #global))) goto missing_##global;
    MGK_HDF5_GLOBALS(MGK_RESOLVE_GLOBAL)
    p_H5open = (herr_t(*)(void))dlsym(h, "H5open");
    p_H5get_libversion = (herr_t(*)(unsigned *, unsigned *, unsigned *))dlsym(h, "H5get_libversion");
    /* H5Lget_info1 from 1.12 on; the same function was H5Lget_info before. */
    p_H5Lget_info1 = (herr_t(*)(hid_t, const char *, H5L_info_t *, hid_t))dlsym(h, "H5Lget_info1");
    p_H5Oget_info1 = (herr_t(*)(hid_t, void *))dlsym(h, "H5Oget_info1");
    if (!p_H5Lget_info1) p_H5Lget_info1 = (herr_t(*)(hid_t, const char *, H5L_info_t *, hid_t))dlsym(h, "H5Lget_info");
    if (!p_H5open || !p_H5get_libversion || !p_H5Lget_info1) {
        snprintf(error_text, sizeof error_text, "%s lacks H5open, H5get_libversion or H5Lget_info", file);
        return -1;
    }
    unsigned major = 0, minor = 0, release = 0;
    if (p_H5get_libversion(&major, &minor, &release) < 0 || major != 1 || minor < 10 || minor > 14) {
        snprintf(error_text, sizeof error_text, "%s is HDF5 %u.%u.%u; 1.10 to 1.14 are supported", file, major, minor,
                 release);
        return -1;
    }
    if (p_H5open() < 0) {
        snprintf(error_text, sizeof error_text, "%s: H5open failed", file);
        return -1;
    }
    return 0;
#define MGK_MISSING(ret, name, params, args) \
    missing_##name : snprintf(error_text, sizeof error_text, "%s lacks %s", file, #name); return -1;
    MGK_HDF5_FUNCTIONS(MGK_MISSING)
#define MGK_MISSING_GLOBAL(fn, global) \
    missing_##global : snprintf(error_text, sizeof error_text, "%s lacks %s", file, #global); return -1;
    MGK_HDF5_GLOBALS(MGK_MISSING_GLOBAL)
}

/* Forgets a partial resolution (a library that failed its checks is closed). */
static void reset(void) {
#define MGK_RESET(ret, name, params, args) p_##name = NULL;
    MGK_HDF5_FUNCTIONS(MGK_RESET)
#define MGK_RESET_GLOBAL(fn, global) g_##global = NULL;
    MGK_HDF5_GLOBALS(MGK_RESET_GLOBAL)
    p_H5open = NULL;
    p_H5get_libversion = NULL;
    p_H5Lget_info1 = NULL;
    p_H5Oget_info1 = NULL;
}

/* Tries one candidate: 1 loaded, 0 not found (error_text gets dlerror), -1 found but unusable. */
static int try_load(const char *file) {
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(error_text, sizeof error_text, "%s", why ? why : file);
        return 0;
    }
    if (resolve(h, file) != 0) {
        reset();
        dlclose(h);
        return -1;
    }
    Dl_info info;
    const char *where = dladdr((void *)p_H5open, &info) && info.dli_fname ? info.dli_fname : file;
    snprintf(loaded_path, sizeof loaded_path, "%s", where);
    loaded = 1;
    return 1;
}

static void load_once(void) {
    const char *chosen = getenv("TFMETA_HDF5_LIBRARY");
    if (chosen && *chosen) {
        if (try_load(chosen) == 0) {
            char why[sizeof error_text];
            snprintf(why, sizeof why, "%s", error_text);
            snprintf(error_text, sizeof error_text, "TFMETA_HDF5_LIBRARY: %s", why);
        }
        return;
    }
    /* The copy shipped beside this image (the wheel's tfmeta/hdf5/libhdf5.so).
     * Only by an absolute path: a relative one (a program run by name) would
     * resolve against the working directory, and load whatever lies there. */
    Dl_info self;
    if (dladdr((void *)mgk_hdf5_load, &self) && self.dli_fname && self.dli_fname[0] == '/') {
        char beside[4096];
        const char *slash = strrchr(self.dli_fname, '/');
        int n = snprintf(beside, sizeof beside, "%.*s/hdf5/libhdf5.so", (int)(slash - self.dli_fname), self.dli_fname);
        if (n > 0 && n < (int)sizeof beside && access(beside, F_OK) == 0) {
            /* Shipped: it must load (no silent fall back to another libhdf5). */
            try_load(beside);
            return;
        }
    }
    static const char *const system_names[] = {"libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5.so.310"};
    char first[sizeof error_text] = "";
    for (size_t i = 0; i < sizeof system_names / sizeof *system_names; i++) {
        int r = try_load(system_names[i]);
        if (r != 0) return;
        if (!first[0]) snprintf(first, sizeof first, "%s", error_text);
    }
    snprintf(error_text, sizeof error_text,
             "libhdf5 (1.10 to 1.14) is not installed (Debian: apt-get install libhdf5-103-1): %s", first);
}

int mgk_hdf5_load(void) {
    pthread_once(&once, load_once);
    return loaded ? 0 : -1;
}

const char *mgk_hdf5_error(void) {
    mgk_hdf5_load();
    return loaded ? NULL : error_text;
}

const char *mgk_hdf5_path(void) {
    return loaded ? loaded_path : NULL;
}
