"""Writes the tfmeta wheel from a staged package folder (Scripts/build-wheel).

    pack-wheel.py PYPROJECT STAGED_PACKAGE_DIR OUT_DIR PLATFORM_TAG

Metadata (name, version, summary, dependencies, console scripts) comes from
pyproject.toml; the package folder holds the Python files and the native
binaries. Executable bits are kept (pip restores them). Prints the wheel's path.
"""
import base64
import hashlib
import os
import sys
import tomllib
import zipfile


def main(pyproject, package_dir, out_dir, platform):
    with open(pyproject, "rb") as f:
        project = tomllib.load(f)["project"]
    name, version = project["name"], project["version"]
    dist_info = f"{name}-{version}.dist-info"
    readme = os.path.join(os.path.dirname(pyproject), project.get("readme", "README.md"))
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {project['description']}",
        f"Requires-Python: {project['requires-python']}",
        f"License: {project['license']['text']}",
    ]
    metadata += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    metadata += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    for extra, deps in project.get("optional-dependencies", {}).items():
        metadata.append(f"Provides-Extra: {extra}")
        metadata += [f"Requires-Dist: {d}; extra == \"{extra}\"" for d in deps]
    metadata.append("Description-Content-Type: text/markdown")
    body = "\n".join(metadata) + "\n\n" + open(readme, encoding="utf-8").read()
    wheel = "Wheel-Version: 1.0\nGenerator: MetaGraphKit Scripts/pack-wheel.py\nRoot-Is-Purelib: false\n" \
            f"Tag: py3-none-{platform}\n"
    scripts = project.get("scripts", {})
    entry_points = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}-{version}-py3-none-{platform}.whl")
    tmp = path + ".tmp"
    record = []

    def digest(data):
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        def add(arcname, data, mode=0o644):
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
            record.append(f"{arcname},{digest(data)},{len(data)}")

        top = os.path.basename(os.path.normpath(package_dir))
        for folder, dirs, files in os.walk(package_dir):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for f in sorted(files):
                full = os.path.join(folder, f)
                arc = os.path.join(top, os.path.relpath(full, package_dir))
                mode = 0o755 if os.access(full, os.X_OK) else 0o644
                with open(full, "rb") as fh:
                    add(arc, fh.read(), mode)
        add(f"{dist_info}/METADATA", body.encode())
        add(f"{dist_info}/WHEEL", wheel.encode())
        add(f"{dist_info}/entry_points.txt", entry_points.encode())
        record.append(f"{dist_info}/RECORD,,")
        z.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0)),
                   "\n".join(record) + "\n")
    os.replace(tmp, path)
    print(path)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
