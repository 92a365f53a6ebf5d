// libhdf5's C API (Debian: libhdf5-dev, serial build). The predefined type and
// property-list ids are macros Swift cannot import; these inline functions name them.
#include <hdf5.h>

static inline hid_t mgk_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t mgk_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t mgk_h5t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t mgk_h5t_std_i16le(void) { return H5T_STD_I16LE; }
static inline hid_t mgk_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t mgk_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t mgk_h5t_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t mgk_h5t_std_u16le(void) { return H5T_STD_U16LE; }
static inline hid_t mgk_h5t_std_u32le(void) { return H5T_STD_U32LE; }
static inline hid_t mgk_h5t_std_u64le(void) { return H5T_STD_U64LE; }
static inline hid_t mgk_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t mgk_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t mgk_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t mgk_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline unsigned mgk_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned mgk_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline haddr_t mgk_haddr_undef(void) { return HADDR_UNDEF; }
static inline size_t mgk_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t mgk_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t mgk_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t mgk_h5s_all(void) { return H5S_ALL; }
static inline unsigned mgk_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
/* 1 for a hard link, 0 for a soft, external or user-defined one, -1 on failure.
   (H5Lget_info is a version macro in HDF5 1.12 and later.) */
static inline int mgk_link_is_hard(hid_t loc, const char *name) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, H5P_DEFAULT) < 0) return -1;
    return info.type == H5L_TYPE_HARD ? 1 : 0;
}
