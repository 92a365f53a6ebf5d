// Writing an HDF5 file with libhdf5, in-process: only structures this library
// made (groups, string attributes, contiguous datasets), as Keras 3 lays them out.
internal import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HDF5 {
    /// A dataset to create: its elements are written afterwards at the returned offset.
    struct NewDataset {
        var path: String
        var dtype: DType
        var shape: [Int]
        var attributes: [(String, String)]
    }

    /// Creates an HDF5 file at `path` (which must exist, empty: the caller's
    /// temporary) with `groups` (parents first) and `datasets`, each contiguous and
    /// allocated but unfilled. Returns each dataset's element offset (nil for an
    /// empty one); the caller writes the elements there after this returns.
    static func create(path: String, groups: [Group], datasets: [NewDataset]) throws -> [Int?] {
        try load(path)
        lock.lock()
        defer { lock.unlock() }
        H5Eset_auto2(mgk_h5e_default(), nil, nil)
        func fail(_ what: String) -> MetaGraphKitError {
            MetaGraphKitError(.io, "\(path): libhdf5 could not \(what)")
        }
        let file = H5Fcreate(path, mgk_h5f_acc_trunc(), mgk_h5p_default(), mgk_h5p_default())
        guard file >= 0 else { throw fail("create the file") }
        var closed = false
        defer { if !closed { H5Fclose(file) } }
        for group in groups {
            let g: hid_t
            if group.path.isEmpty {
                g = H5Gopen2(file, "/", mgk_h5p_default())
            } else if H5Lexists(file, group.path, mgk_h5p_default()) > 0 {
                g = H5Gopen2(file, group.path, mgk_h5p_default())
            } else {
                g = H5Gcreate2(file, group.path, mgk_h5p_default(), mgk_h5p_default(), mgk_h5p_default())
            }
            guard g >= 0 else { throw fail("create group \(group.path)") }
            defer { H5Gclose(g) }
            try writeStringAttributes(g, group.attributes, file: path, object: group.path)
        }
        var offsets: [Int?] = []
        for d in datasets {
            guard let type = fileType(d.dtype) else {
                throw MetaGraphKitError.unsupported(path, "\(d.path): Keras files cannot hold \(d.dtype.name) tensors here")
            }
            defer { H5Tclose(type) }
            let space: hid_t
            if d.shape.isEmpty {
                space = H5Screate(H5S_SCALAR)
            } else {
                let dims = d.shape.map { hsize_t($0) }
                space = H5Screate_simple(Int32(dims.count), dims, nil)
            }
            guard space >= 0 else { throw fail("create the dataspace of \(d.path)") }
            defer { H5Sclose(space) }
            let dcpl = H5Pcreate(mgk_h5p_dataset_create())
            defer { H5Pclose(dcpl) }
            H5Pset_layout(dcpl, H5D_CONTIGUOUS)
            H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY)
            H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER)
            let ds = H5Dcreate2(file, d.path, type, space, mgk_h5p_default(), dcpl, mgk_h5p_default())
            guard ds >= 0 else { throw fail("create dataset \(d.path)") }
            defer { H5Dclose(ds) }
            try writeStringAttributes(ds, d.attributes, file: path, object: d.path)
            let a = H5Dget_offset(ds)
            offsets.append(a == mgk_haddr_undef() ? nil : Int(a))
        }
        closed = true
        guard H5Fclose(file) >= 0 else { throw fail("close the file") }
        return offsets
    }

    /// Variable-length UTF-8 scalar string attributes, as h5py writes a `str`.
    private static func writeStringAttributes(_ object: hid_t, _ attributes: [(String, String)], file: String, object name: String) throws {
        for (key, value) in attributes {
            let type = H5Tcopy(mgk_h5t_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, mgk_h5t_variable())
            H5Tset_cset(type, H5T_CSET_UTF8)
            let space = H5Screate(H5S_SCALAR)
            defer { H5Sclose(space) }
            let attr = H5Acreate2(object, key, type, space, mgk_h5p_default(), mgk_h5p_default())
            guard attr >= 0 else { throw MetaGraphKitError(.io, "\(file): libhdf5 could not create attribute \(key) of \(name)") }
            defer { H5Aclose(attr) }
            let ok = value.withCString { c -> Bool in
                var p: UnsafePointer<CChar>? = c
                return H5Awrite(attr, type, &p) >= 0
            }
            guard ok else { throw MetaGraphKitError(.io, "\(file): libhdf5 could not write attribute \(key) of \(name)") }
        }
    }

    /// The little-endian file type h5py uses for a numpy array of `dtype`.
    private static func fileType(_ dtype: DType) -> hid_t? {
        switch dtype.base {
        case .float32: return H5Tcopy(mgk_h5t_ieee_f32le())
        case .float64: return H5Tcopy(mgk_h5t_ieee_f64le())
        case .float16:
            // h5py's float16: IEEE half, little-endian.
            let t = H5Tcopy(mgk_h5t_ieee_f32le())
            H5Tset_fields(t, 15, 10, 5, 0, 10)
            H5Tset_size(t, 2)
            H5Tset_ebias(t, 15)
            return t
        case .int8: return H5Tcopy(mgk_h5t_std_i8le())
        case .int16: return H5Tcopy(mgk_h5t_std_i16le())
        case .int32: return H5Tcopy(mgk_h5t_std_i32le())
        case .int64: return H5Tcopy(mgk_h5t_std_i64le())
        case .uint8: return H5Tcopy(mgk_h5t_std_u8le())
        case .uint16: return H5Tcopy(mgk_h5t_std_u16le())
        case .uint32: return H5Tcopy(mgk_h5t_std_u32le())
        case .uint64: return H5Tcopy(mgk_h5t_std_u64le())
        case .bool:
            // h5py's bool: an int8 enum FALSE = 0, TRUE = 1.
            let t = H5Tenum_create(mgk_h5t_native_int8())
            var f: Int8 = 0, tr: Int8 = 1
            H5Tenum_insert(t, "FALSE", &f)
            H5Tenum_insert(t, "TRUE", &tr)
            return t
        default: return nil
        }
    }
}
