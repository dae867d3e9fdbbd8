#!/usr/bin/env python3
"""Makes the repository's test data: the small media cuts in test-data/ and the reference values the
tests compare with, test-data/fixtures/*.json. Tests never run this script; they read what it wrote
(committed), so they pass without Python and without the full data set.

Needs Debian's /usr/bin/python3 with numpy, scikit-learn and OpenCV, and ffmpeg on PATH:
  apt-get install -y ffmpeg python3-sklearn python3-opencv

Run from anywhere:
  /usr/bin/python3 test-data/make-fixtures.py            # fixtures, from the media in the repository
  /usr/bin/python3 test-data/make-fixtures.py --media    # first remake the media cuts from the full
                                                          # data set, then the fixtures
The full data set (only --media reads it) is the folder named by LOWRANK_DATA, else ../shared/data
beside the repository; its SOURCES.md has the origins and licences copied into test-data/SOURCES.md.
"""
import json, os, shutil, subprocess, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SAMPLES = os.path.join(ROOT, "samples")
FIXTURES = os.path.join(HERE, "fixtures")

# CDnet "fall": the first 40 frames of the shared subset (1460-1499), as the rpca mask test uses them.
CDNET_FIRST, CDNET_FRAMES, CDNET_SIZE = 1460, 40, (180, 120)
# Full-size CDnet frames for the frame-folder tests (JPEG as published, names kept).
CDNET_FULL_FRAMES = 6


def run(*args):
    return subprocess.run(list(args), check=True, capture_output=True).stdout


def rel(path):
    return os.path.relpath(path, ROOT)


def make_media(data):
    """Cuts and downscaled copies of the full data set (see test-data/SOURCES.md for each)."""
    if not os.path.isdir(data):
        sys.exit(f"--media needs the full data set: {data} does not exist. Set LOWRANK_DATA=/path/to/data.")
    ff = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    os.makedirs(os.path.join(HERE, "images"), exist_ok=True)
    # Area-downscaled RGB copies (PNG, lossless): the same pixels the tests' own
    # `-vf scale=W:H:flags=area` decode of the originals gives.
    run(*ff, "-i", os.path.join(data, "images/coffee.png"), "-vf", "scale=300:200:flags=area",
        "-pix_fmt", "rgb24", "-pred", "mixed", os.path.join(HERE, "images/coffee-300x200.png"))
    run(*ff, "-i", os.path.join(data, "images/astronaut.png"), "-vf", "scale=256:256:flags=area",
        "-pix_fmt", "rgb24", "-pred", "mixed", os.path.join(HERE, "images/astronaut-256x256.png"))
    # The first 10 frames of the MS-MPEG4 v3 clip, stream copied (codec and size kept).
    os.makedirs(os.path.join(HERE, "video"), exist_ok=True)
    run(*ff, "-i", os.path.join(data, "video/pedestrians-768x576.avi"), "-c", "copy", "-frames:v", "10",
        os.path.join(HERE, "video/pedestrians-768x576-cut.avi"))
    # CDnet frames as published (JPEG, 720 x 480), for frame-folder reading.
    full = os.path.join(HERE, "cdnet-fall/input")
    shutil.rmtree(full, ignore_errors=True)
    os.makedirs(full)
    for n in range(CDNET_FIRST, CDNET_FIRST + CDNET_FULL_FRAMES):
        shutil.copyfile(os.path.join(data, f"cdnet-fall/input/in{n:06d}.jpg"), os.path.join(full, f"in{n:06d}.jpg"))
    # CDnet frames at 180 x 120 gray exactly as the mask test decodes them (area for the picture,
    # nearest neighbour for the ground truth so its labels 0/50/85/170/255 stay exact).
    small = os.path.join(HERE, "cdnet-fall-180x120")
    shutil.rmtree(small, ignore_errors=True)
    w, h = CDNET_SIZE
    for sub, pattern, flags in (("input", "in%06d", "area"), ("groundtruth", "gt%06d", "neighbor")):
        os.makedirs(os.path.join(small, sub))
        ext = "jpg" if sub == "input" else "png"
        run(*ff, "-start_number", str(CDNET_FIRST), "-i", os.path.join(data, f"cdnet-fall/{sub}/{pattern}.{ext}"),
            "-frames:v", str(CDNET_FRAMES), "-vf", f"scale={w}:{h}:flags={flags}", "-pix_fmt", "gray",
            "-pred", "mixed", "-start_number", str(CDNET_FIRST), os.path.join(small, sub, f"{pattern}.png"))


def gray_image(path):
    """An image as the tests decode it: ffmpeg 8-bit gray, value / 255 (reference.py's decode)."""
    w, h = (int(x) for x in run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                "stream=width,height", "-of", "csv=p=0", path).decode().strip().split(","))
    raw = run("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1")
    return np.frombuffer(raw, np.uint8).reshape(h, w) / 255.0


def camera_svd():
    """numpy's singular values of camera.png and scikit-learn's randomized SVD at rank 50 (its defaults:
    10 oversamples, n_iter 'auto', LU normalizer; random_state 0)."""
    from sklearn.utils.extmath import randomized_svd
    import sklearn
    source = os.path.join(SAMPLES, "camera.png")
    A = gray_image(source)
    s = np.linalg.svd(A, compute_uv=False)
    U, s50, Vt = randomized_svd(A, 50, n_oversamples=10, random_state=0)
    return {
        "source": rel(source),
        "decode": "ffmpeg -i camera.png -f rawvideo -pix_fmt gray, value / 255",
        "numpy": np.__version__, "sklearn": sklearn.__version__,
        "shape": list(A.shape),
        "singularValues": s.tolist(),
        "frobeniusNorm": float(np.linalg.norm(A)),
        "sklearnRandomizedRank50": {
            "relativeError": float(np.linalg.norm(A - (U * s50) @ Vt) / np.linalg.norm(A)),
            "n_iter": "auto", "n_oversamples": 10, "random_state": 0,
            "singularValues": s50.tolist(),
        },
    }


def video_facts():
    """What OpenCV reads from each test video: size, frame rate, the container's frame count and the
    number of frames that really decode (they differ where an AVI holds empty placeholder packets)."""
    import cv2
    videos = [os.path.join(SAMPLES, "tiny-traffic-48x48.avi"),
              os.path.join(SAMPLES, "highway-traffic-320x240-cut.avi"),
              os.path.join(HERE, "video/pedestrians-768x576-cut.avi")]
    out = {"opencv": cv2.__version__, "videos": {}}
    for path in videos:
        capture = cv2.VideoCapture(path)
        if not capture.isOpened():
            sys.exit(f"OpenCV cannot open {path}")
        decoded = 0
        while capture.read()[0]:
            decoded += 1
        out["videos"][rel(path)] = {
            "width": int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            "height": int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            "fps": capture.get(cv2.CAP_PROP_FPS),
            "containerFrames": int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            "decodedFrames": decoded,
        }
        capture.release()
    return out


def write(name, value):
    os.makedirs(FIXTURES, exist_ok=True)
    value = {"madeBy": "/usr/bin/python3 test-data/make-fixtures.py", **value}
    with open(os.path.join(FIXTURES, name), "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")
    print(f"wrote {rel(os.path.join(FIXTURES, name))}")


if __name__ == "__main__":
    if "--media" in sys.argv[1:]:
        make_media(os.path.abspath(os.environ.get("LOWRANK_DATA") or os.path.join(ROOT, "..", "shared", "data")))
    write("camera-svd.json", camera_svd())
    write("videos.json", video_facts())
