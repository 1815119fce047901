"""Departmental exports uploaded by a county analyst: checked, unpacked, kept in one folder.

Only spreadsheet and CSV exports (xlsx, xls, csv) are taken, directly or inside zip archives; a
zip member with an absolute path or `..` is refused (zip slip), as is an archive that unpacks
beyond the size cap (zip bomb). Any refusal removes the folder: nothing is half saved.
"""

from __future__ import annotations

import shutil
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings

ALLOWED = {".xlsx", ".xls", ".csv"}
MAX_UNPACKED = 500 * 1024 * 1024


class UploadRefused(Exception):
    """The upload cannot be used; the message says why, in Chinese."""


def upload_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def save_exports(files: Iterable[Any]) -> Path:
    """Write the uploaded files (and the contents of uploaded zips) into a new folder."""
    folder = upload_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        n = 0
        for f in files:
            name = Path(f.name or "").name
            suffix = Path(name).suffix.lower()
            if suffix == ".zip":
                n += _unzip(f, folder, name)
            elif suffix in ALLOWED:
                with open(folder / name, "wb") as out:
                    for chunk in f.chunks():
                        out.write(chunk)
                n += 1
            else:
                raise UploadRefused(f"文件“{name}”的类型不受支持：请上传部门导出的 xlsx、xls、csv "
                                    "文件，或把它们打包成 zip。")
        if n == 0:
            raise UploadRefused("没有收到任何部门导出文件（xlsx、xls、csv 或 zip）。")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _unzip(upload: Any, folder: Path, name: str) -> int:
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile as err:
        raise UploadRefused(f"“{name}”不是有效的 zip 压缩包。") from err
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > MAX_UNPACKED:
            raise UploadRefused(f"“{name}”解压后超过 {MAX_UNPACKED // 2**20} MB，请分批上传。")
        n = 0
        for m in members:
            path = PurePosixPath(m.filename)
            if path.is_absolute() or ".." in path.parts:
                raise UploadRefused(f"“{name}”中的文件路径“{m.filename}”不安全，已拒绝。")
            if path.name.startswith(".") or path.parts[0] == "__MACOSX":
                continue
            if path.suffix.lower() not in ALLOWED:
                raise UploadRefused(f"“{name}”中的“{m.filename}”不是 xlsx、xls 或 csv 文件。")
            target = folder / path.name
            if target.exists():
                raise UploadRefused(f"“{name}”中有重名文件“{path.name}”，请改名后重新打包。")
            with archive.open(m) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            n += 1
    return n
