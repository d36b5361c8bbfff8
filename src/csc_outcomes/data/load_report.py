"""What a load did: one report per file and one for the whole load."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileReport:
    """What a load did with one file (the rows of ``data load --json``)."""

    file: str
    family: str | None
    cells_read: int = 0
    values_stored: int = 0
    special_stored: int = 0
    problems: int = 0
    problem_records: int = 0
    rows_read: int = 0
    skipped_reason: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    #: special values stored, by status ("other" for fields of inspection and lookup records)
    special_by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LoadReport:
    data_dir: str
    store: str
    files: list[FileReport]
    #: files the store holds from earlier loads that are not in this folder: kept
    kept: list[str] = field(default_factory=list)
    #: files dropped from the store because they left the folder (only with ``prune``)
    pruned: list[str] = field(default_factory=list)
    #: how the register of authorities was obtained for this load
    register: str = ""

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def as_dict(self) -> dict:
        return {"data_dir": self.data_dir, "store": self.store,
                "files": [f.as_dict() for f in self.files], "kept": self.kept,
                "pruned": self.pruned, "register": self.register,
                "failed": [f.file for f in self.failed]}
