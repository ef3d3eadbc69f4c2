"""Where TESS looked: the emulator's model of sectors, cameras and CCDs on the sky.

TESS points anti-sun: in sector ``n`` its four cameras sit along one meridian of ecliptic
longitude ``315.8 + 27.69 * ((n - 1) % 13)`` degrees, centred at ecliptic latitudes 18, 42,
66 and 90 degrees, south in odd years of the mission (sectors 1-13, 27-39, ...) and north in
even ones. Each camera sees 24 x 24 degrees through four 2048-pixel CCDs (21 arcsec pixels).
Sector 1's numbers are the real pointing, so the recorded samples (sector 1, camera 1 CCD 3
and camera 4 CCD 3) agree with this model.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mastcache.emulator.sky.synth import TESS_SECTOR_DAYS, TESS_START_MJD
from mastcache.mast.cutouts import TESS_PIXEL_ARCSEC

__all__ = [
    "LAST_SECTOR",
    "PIXEL_DEG",
    "Placement",
    "moving_target_position",
    "place",
    "placements",
    "sector_start_tjd",
    "sectors_at",
    "unit_vector",
]

#: The sky's TESS observations span sectors 1..83 (sky/missions.py: the eras end at MJD 60600).
LAST_SECTOR: Final = int((60600.0 - TESS_START_MJD) / TESS_SECTOR_DAYS)
PIXEL_DEG: Final = TESS_PIXEL_ARCSEC / 3600.0
CCD_PIXELS: Final = 2048
#: Columns 1-44 of a TESS CCD are serial-register columns, not sky.
FIRST_COLUMN: Final = 45
FIRST_LONGITUDE: Final = 315.8
LONGITUDE_STEP: Final = 360.0 / 13
CAMERA_LATITUDES: Final = (18.0, 42.0, 66.0, 90.0)
HALF_FIELD_DEG: Final = 12.0
HALF_FIELD: Final = math.tan(math.radians(HALF_FIELD_DEG))
OBLIQUITY: Final = math.radians(23.4392911)
TJD_OFFSET: Final = 56999.5  # TJD = BJD - 2457000 = MJD - 56999.5
Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Placement:
    """A position on one CCD: sector, camera, CCD, pixel (column, row) and sky angle."""

    sector: int
    camera: int
    ccd: int
    column: float
    row: float
    #: Angle (degrees, east of north) of the CCD's row axis on the sky at the position.
    roll: float

    @property
    def sector_name(self) -> str:
        return f"tess-s{self.sector:04d}-{self.camera}-{self.ccd}"


def sector_start_tjd(sector: int) -> float:
    """TESS Julian Date (BJD - 2457000) when ``sector`` began."""
    return TESS_START_MJD + TESS_SECTOR_DAYS * (sector - 1) - TJD_OFFSET


def sectors_at(ra: float, dec: float, radius: float = 0.0) -> list[Placement]:
    """Every sector/camera/CCD whose field holds (ra, dec), or comes within ``radius`` deg
    (then every camera the circle touches is listed, at its CCD nearest the position)."""
    target = unit_vector(ra, dec)
    found = []
    for sector in range(1, LAST_SECTOR + 1):
        found += placements(target, sector, radius)
    return found


def place(target: Vector, sector: int) -> Placement | None:
    """Where the unit vector ``target`` falls in ``sector``, or None when off every CCD."""
    found = placements(target, sector)
    return found[0] if found else None


def placements(target: Vector, sector: int, radius: float = 0.0) -> list[Placement]:
    """The cameras of ``sector`` whose field (grown by ``radius`` degrees) holds ``target``."""
    reach = math.radians(HALF_FIELD_DEG + max(0.0, radius))
    found = []
    for camera, (centre, up, side) in enumerate(_camera_frames(sector), start=1):
        depth = float(target @ centre)
        if depth <= 0.2:
            continue
        xi, eta = float(target @ side) / depth, float(target @ up) / depth
        if max(abs(math.atan(xi)), abs(math.atan(eta))) <= reach:
            found.append(_on_ccd(sector, camera, xi, eta, target, up))
    return found


def moving_target_position(obj_id: str, sector: int) -> tuple[float, float]:
    """(ra, dec) of a synthetic solar-system body mid-way through ``sector``.

    Its orbit comes from a hash of the name: an ecliptic latitude between 8 and 28 degrees
    (either side), a starting longitude, and a drift of 0.1-0.3 degrees per day.
    """
    digest = hashlib.sha256(obj_id.strip().lower().encode("utf-8")).digest()
    sign = 1.0 if digest[0] % 2 else -1.0
    latitude = sign * (8.0 + 20.0 * digest[1] / 255.0)
    start = 360.0 * int.from_bytes(digest[2:4], "big") / 65536.0
    rate = 0.1 + 0.2 * digest[4] / 255.0
    days = TESS_SECTOR_DAYS * (sector - 0.5)
    return _equatorial(start + rate * days, latitude)


def _camera_frames(sector: int) -> list[tuple[Vector, Vector, Vector]]:
    """(centre, up, side) unit vectors of each camera, in equatorial coordinates."""
    longitude = math.radians(FIRST_LONGITUDE + LONGITUDE_STEP * ((sector - 1) % 13))
    south = ((sector - 1) // 13) % 2 == 0
    frames = []
    for latitude in CAMERA_LATITUDES:
        beta = math.radians(-latitude if south else latitude)
        centre = _ecliptic_vector(longitude, beta)
        up = np.array(
            [-math.sin(beta) * math.cos(longitude), -math.sin(beta) * math.sin(longitude),
             math.cos(beta)]
        )  # fmt: skip
        side = np.array([-math.sin(longitude), math.cos(longitude), 0.0])
        frames.append((_to_equatorial(centre), _to_equatorial(up), _to_equatorial(side)))
    return frames


def _on_ccd(
    sector: int, camera: int, xi: float, eta: float, target: Vector, up: Vector
) -> Placement:
    """CCDs 1 and 2 lie on the -up half of cameras 1 and 2, 2 and 3 on their +side half;
    cameras 3 and 4 are mounted turned by 180 degrees."""
    if camera > 2:
        xi, eta, up = -xi, -eta, -up
    xi = max(-HALF_FIELD, min(HALF_FIELD, xi))
    eta = max(-HALF_FIELD, min(HALF_FIELD, eta))
    ccd = (3 if xi >= 0 else 4) if eta >= 0 else (2 if xi >= 0 else 1)
    across = math.degrees(math.atan(abs(xi))) / PIXEL_DEG
    along = math.degrees(math.atan(abs(eta))) / PIXEL_DEG
    column = FIRST_COLUMN + min(across, CCD_PIXELS - 1.0)
    row = 1.0 + min(along, CCD_PIXELS - 1.0)
    return Placement(sector, camera, ccd, column, row, _roll(target, up))


def _roll(target: Vector, up: Vector) -> float:
    """Position angle (east of north) of the camera's up axis at ``target``."""
    north = np.array([0.0, 0.0, 1.0]) - target * target[2]
    east = np.cross(np.array([0.0, 0.0, 1.0]), target)
    if float(np.linalg.norm(north)) < 1e-12:
        return 0.0
    angle = math.degrees(math.atan2(float(up @ east), float(up @ north)))
    return round(angle, 6) % 360.0


def _ecliptic_vector(longitude: float, latitude: float) -> Vector:
    return np.array(
        [math.cos(latitude) * math.cos(longitude), math.cos(latitude) * math.sin(longitude),
         math.sin(latitude)]
    )  # fmt: skip


def _to_equatorial(vector: Vector) -> Vector:
    """Rotate an ecliptic (J2000 mean) vector about x by the obliquity."""
    c, s = math.cos(OBLIQUITY), math.sin(OBLIQUITY)
    x, y, z = vector
    return np.array([x, c * y - s * z, s * y + c * z])


def unit_vector(ra: float, dec: float) -> Vector:
    """The unit vector of (ra, dec) in degrees."""
    a, d = math.radians(ra), math.radians(dec)
    return np.array([math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d)])


def _equatorial(longitude: float, latitude: float) -> tuple[float, float]:
    vector = _to_equatorial(_ecliptic_vector(math.radians(longitude), math.radians(latitude)))
    ra = math.degrees(math.atan2(vector[1], vector[0])) % 360.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, float(vector[2])))))
    return round(ra, 8), round(dec, 8)
