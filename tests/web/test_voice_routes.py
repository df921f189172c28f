"""GET /voice/announcement.wav: strict queries, real WAVs from the pack, no pack no crash."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from helpers import RunningHall, small_hall, two_floors

from display.voice.builder import DEFAULT_SEGMENTS, build_pack
from display.voice.pack import DEFAULT_GAP_MS, MANIFEST, VoicePack
from display.voice.script import (
    DEFAULT_PHRASES,
    GUIDANCE_PHRASES,
    Call,
    CallKind,
    Templates,
    read_phrase,
)
from queue_server.cli import DEFAULT_VOICE, build_parser
from queue_server.domain.hall import HallConfig, SpeakerGroup, VoiceSettings
from queue_server.web import voice_routes
from queue_server.web.voice_routes import Voice, hall_speech, load_voice

StartHall = Callable[..., Awaitable[RunningHall]]

URL = "/voice/announcement.wav"


@pytest.fixture(scope="session")
def built_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real default pack (espeak-ng and sox), built once per session."""
    folder = tmp_path_factory.mktemp("voice") / "default"
    build_pack(folder)
    return folder


async def get_wav(hall: RunningHall, query: str) -> tuple[int, str, bytes]:
    async with hall.http.get(f"{hall.url}{URL}?{query}") as response:
        return response.status, response.content_type, await response.read()


def frames(data: bytes) -> tuple[int, int, int, int]:
    """(channels, sample width, frame rate, frame count) of a WAV answer."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()


def expected_frames(pack: VoicePack, script: tuple[str, ...]) -> int:
    gap = pack.format.frame_rate * DEFAULT_GAP_MS // 1000
    bytes_per_frame = pack.format.sample_width * pack.format.channels
    pcm = sum(len(pack.assemble((name,))) - 44 for name in script) // bytes_per_frame
    return pcm + gap * (len(script) - 1)


BAD_QUERIES: list[tuple[str, str]] = [
    ("", "kind"),
    ("kind=shout&number=A012&window=1", "kind"),
    ("kind=CALL&number=A012&window=1", "kind"),
    ("kind=call&window=1", "number"),
    ("kind=call&number=&window=1", "number"),
    ("kind=call&number=a012&window=1", "number"),
    ("kind=call&number=A12&window=1", "number"),
    ("kind=call&number=A01234&window=1", "number"),
    ("kind=call&number=AB012&window=1", "number"),
    ("kind=call&number=A01%C2%B2&window=1", "number"),
    ("kind=call&number=A012", "window"),
    ("kind=call&number=A012&window=99", "window"),
    ("kind=call&number=A012&window=1%2F2", "window"),
    ("kind=call&number=A012&window=1&speed=2", "speed"),
    ("kind=call&number=A012&number=A013&window=1", "number"),
    ("kind=pause&number=A012&window=1", "number"),
    ("kind=welcome&window=1", "window"),
    ("kind=call&number=A012&window=1&speaker=4F", "speaker"),
    ("kind=call&number=A012&window=1&speaker=1F&speaker=1F", "speaker"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
async def test_a_bad_query_is_refused_naming_the_field(
    start_hall: StartHall, built_pack: Path, query: str, field: str
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    status, answer = await hall.call("GET", f"{URL}?{query}")
    assert status == 422, answer
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["message"].startswith(f"{field}: "), answer


async def test_an_announcement_is_a_wav_as_long_as_its_script(
    start_hall: StartHall, built_pack: Path
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    pack = VoicePack.load(built_pack)
    templates = Templates(phrases=pack.phrases)
    lengths: dict[str, int] = {}
    for query, call in [
        ("kind=call&number=A012&window=3", Call(CallKind.CALL, "A012", "3")),
        ("kind=recall&number=A012&window=3", Call(CallKind.RECALL, "A012", "3")),
        ("kind=call&number=B0123&window=3", Call(CallKind.CALL, "B0123", "3")),
        ("kind=pause&window=2", Call(CallKind.PAUSE, "", "2")),
        ("kind=welcome", Call(CallKind.WELCOME)),
    ]:
        status, content_type, data = await get_wav(hall, query)
        assert status == 200, data
        assert content_type == "audio/wav"
        channels, width, rate, count = frames(data)
        assert (channels, width, rate) == (1, 2, 22050)
        assert count == expected_frames(pack, templates.script(call)), query
        lengths[call.kind.value + call.number] = count
    # The recall says 重复呼叫 first; a longer number takes longer; a welcome is short.
    assert lengths["recallA012"] > lengths["callA012"] * 1.15
    assert lengths["callB0123"] > lengths["callA012"]
    assert lengths["welcome"] < lengths["callA012"] / 2


async def test_a_board_may_keep_an_announcement_and_asks_again_before_playing_it(
    start_hall: StartHall, built_pack: Path
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    url = f"{hall.url}{URL}?kind=call&number=A012&window=1"
    async with hall.http.get(url) as first:
        assert first.headers["Cache-Control"] == "no-cache"
        tag = first.headers["ETag"]
    async with hall.http.get(url, headers={"If-None-Match": tag}) as again:
        assert again.status == 304 and await again.read() == b""
    other = f"{hall.url}{URL}?kind=recall&number=A012&window=1"
    async with hall.http.get(other, headers={"If-None-Match": tag}) as changed:
        assert changed.status == 200 and changed.headers["ETag"] != tag
        assert frames(await changed.read())[3] > 0


async def test_a_second_request_is_served_from_the_cache(
    start_hall: StartHall, built_pack: Path
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    first = await get_wav(hall, "kind=call&number=A012&window=1")
    second = await get_wav(hall, "kind=call&number=A012&window=1")
    assert first == second and first[0] == 200


def test_the_cache_keeps_the_most_recently_used(built_pack: Path) -> None:
    voice = Voice(VoicePack.load(built_pack), cache_size=2)
    speech = hall_speech(small_hall())
    a, b, c = (Call(CallKind.CALL, n, "1") for n in ("A001", "A002", "A003"))
    templates = voice.templates(speech)
    voice.wav(a, speech)
    voice.wav(b, speech)
    voice.wav(a, speech)  # a is now the most recent
    voice.wav(c, speech)  # evicts b
    assert list(voice._cache) == [(templates.script(a), 60), (templates.script(c), 60)]


async def test_a_server_without_a_pack_answers_503_voice_unavailable(
    start_hall: StartHall,
) -> None:
    hall = await start_hall()  # no voice_pack
    status, answer = await hall.call("GET", f"{URL}?kind=call&number=A012&window=1")
    assert status == 503
    assert answer["error"]["code"] == "voice_unavailable"
    assert "voice pack" in answer["error"]["message"]
    status, answer = await hall.call("GET", "/voice/pack")
    assert (status, answer["error"]["code"]) == (503, "voice_unavailable")
    # Still strict about the query, and the rest of the server works.
    status, answer = await hall.call("GET", f"{URL}?kind=call&number=x&window=1")
    assert status == 422
    status, _ = await hall.call("GET", "/healthz")
    assert status == 200


async def test_a_broken_pack_is_logged_and_the_server_runs_silent(
    start_hall: StartHall, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / MANIFEST).write_text("{not json", "utf-8")
    with caplog.at_level(logging.WARNING, logger=voice_routes.__name__):
        hall = await start_hall(voice_pack=folder, build_voice_pack=True)
    assert "not valid JSON" in caplog.text
    status, answer = await hall.call("GET", f"{URL}?kind=call&number=A012&window=1")
    assert (status, answer["error"]["code"]) == (503, "voice_unavailable")


async def test_a_segment_missing_from_the_pack_is_skipped_and_logged(
    start_hall: StartHall, built_pack: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "partial"
    folder.mkdir()
    manifest = json.loads((built_pack / MANIFEST).read_text("utf-8"))
    manifest["segments"] = [s for s in manifest["segments"] if s["text"] != "办理"]
    for segment in manifest["segments"]:
        (folder / segment["file"]).write_bytes((built_pack / segment["file"]).read_bytes())
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    hall = await start_hall(voice_pack=folder)
    with caplog.at_level(logging.WARNING, logger=voice_routes.__name__):
        status, _, data = await get_wav(hall, "kind=call&number=A012&window=1")
    assert status == 200
    assert "办理" in caplog.text
    pack = VoicePack.load(folder)
    script = Templates(phrases=pack.phrases).script(Call(CallKind.CALL, "A012", "1"))
    assert frames(data)[3] == expected_frames(pack, script[:-1])  # all but 办理


async def test_the_pack_info_names_the_pack(start_hall: StartHall, built_pack: Path) -> None:
    hall = await start_hall(voice_pack=built_pack)
    status, answer = await hall.call("GET", "/voice/pack")
    assert status == 200
    assert answer == {
        "name": "hallq default (espeak-ng)",
        "segments": len(DEFAULT_SEGMENTS),
        "phrases": sorted((*DEFAULT_PHRASES, *GUIDANCE_PHRASES)),
        "format": {"channels": 1, "sample_width": 2, "frame_rate": 22050},
    }


def test_a_missing_default_pack_is_built_on_first_start(tmp_path: Path) -> None:
    folder = tmp_path / "var" / "voice" / "default"
    voice = load_voice(folder, build_missing=True)
    assert voice is not None and (folder / MANIFEST).is_file()
    assert len(voice.pack.names) == len(DEFAULT_SEGMENTS)


def test_a_missing_hall_pack_is_not_built(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "hall-recordings"
    with caplog.at_level(logging.WARNING, logger=voice_routes.__name__):
        assert load_voice(folder, build_missing=False) is None
    assert not folder.exists()
    assert "boards will not speak" in caplog.text


def test_without_espeak_or_sox_the_server_warns_and_has_no_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with caplog.at_level(logging.WARNING, logger=voice_routes.__name__):
        assert load_voice(tmp_path / "default", build_missing=True) is None
    assert "espeak-ng and sox not installed" in caplog.text


def test_serve_takes_a_voice_pack_folder() -> None:
    assert build_parser().parse_args(["serve"]).voice_pack == str(DEFAULT_VOICE)
    assert Path("var/voice/default") == DEFAULT_VOICE
    args = build_parser().parse_args(["serve", "--voice-pack", "/srv/hall-voice"])
    assert args.voice_pack == "/srv/hall-voice"


def voiced_hall() -> HallConfig:
    """The two-floor hall with its own texts and two speaker groups, one with its own call."""
    return dataclasses.replace(
        two_floors(),
        voice=VoiceSettings(
            templates={"call": "请{number}号到{window}号窗口"},
            gap_ms=100,
            speakers=(
                SpeakerGroup("downstairs", "一楼大厅", windows=("1", "2"), floors=("1F",)),
                SpeakerGroup(
                    "upstairs",
                    "二楼",
                    windows=("3",),
                    floors=("2F",),
                    templates={"recall": "重复呼叫，{number}号到{window}号窗口"},
                    gap_ms=30,
                ),
            ),
        ),
    )


async def test_the_speaker_groups_are_published_with_their_texts(start_hall: StartHall) -> None:
    hall = await start_hall(voiced_hall())  # no pack: the groups are config, served anyway
    status, answer = await hall.call("GET", "/voice/speakers")
    assert status == 200
    call = "请{number}号到{window}号窗口"
    assert answer["templates"]["call"] == call
    assert answer["templates"]["welcome"] == "欢迎您"
    assert (answer["gap_ms"], answer["phrases"]) == (100, [])
    down, up = answer["speakers"]
    assert (down["id"], down["name"], down["floors"], down["windows"]) == (
        "downstairs",
        "一楼大厅",
        ["1F"],
        ["1", "2"],
    )
    assert (down["templates"], down["gap_ms"]) == (answer["templates"], 100)
    assert (up["id"], up["windows"], up["gap_ms"]) == ("upstairs", ["3"], 30)
    assert up["templates"]["call"] == call
    assert up["templates"]["recall"] == "重复呼叫，{number}号到{window}号窗口"


async def test_without_speaker_groups_each_floor_is_one(start_hall: StartHall) -> None:
    hall = await start_hall(two_floors())
    status, answer = await hall.call("GET", "/voice/speakers")
    assert status == 200
    groups = [(g["id"], g["name"], g["floors"], g["windows"]) for g in answer["speakers"]]
    assert groups == [("1F", "一楼", ["1F"], ["1", "2"]), ("2F", "二楼", ["2F"], ["3"])]
    assert answer["templates"]["call"] == "请{number}号到{window}号窗口办理"


async def test_an_announcement_speaks_the_halls_or_the_groups_words(
    start_hall: StartHall, built_pack: Path
) -> None:
    hall = await start_hall(voiced_hall(), voice_pack=built_pack)
    pack = VoicePack.load(built_pack)

    def length(script: tuple[str, ...], gap_ms: int) -> int:
        return frames(pack.assemble(script, gap_ms=gap_ms))[3]

    hall_words = Templates({"call": "请{number}号到{window}号窗口"}, phrases=pack.phrases)
    upstairs = Templates({"recall": "重复呼叫，{number}号到{window}号窗口"}, phrases=pack.phrases)
    call, recall = Call(CallKind.CALL, "A012", "3"), Call(CallKind.RECALL, "A012", "3")
    for query, script, gap in [
        ("kind=call&number=A012&window=3", hall_words.script(call), 100),
        ("kind=call&number=A012&window=3&speaker=downstairs", hall_words.script(call), 100),
        ("kind=call&number=A012&window=3&speaker=upstairs", hall_words.script(call), 30),
        ("kind=recall&number=A012&window=3&speaker=upstairs", upstairs.script(recall), 30),
    ]:
        status, _, data = await get_wav(hall, query)
        assert status == 200, data
        assert frames(data)[3] == length(script, gap), query
    assert "办理" not in hall_words.script(call)
    assert upstairs.script(recall)[:2] == ("重复呼叫", "A")


async def test_a_guidance_phrase_is_spoken_from_the_pack(
    start_hall: StartHall, built_pack: Path
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    pack = VoicePack.load(built_pack)
    for text in GUIDANCE_PHRASES:
        async with hall.http.get(f"{hall.url}/voice/phrase.wav", params={"text": text}) as answer:
            assert answer.status == 200, text
            assert answer.content_type == "audio/wav"
            data = await answer.read()
        assert read_phrase(text, pack.names) == (text,)  # one natural recording each
        assert frames(data)[3] == frames(pack.assemble((text,)))[3], text
    # Sentences may join phrases (and punctuation is silent).
    params = {"text": "取号成功，请取走您的号票"}
    async with hall.http.get(f"{hall.url}/voice/phrase.wav", params=params) as answer:
        assert answer.status == 200
        joined = frames(await answer.read())[3]
    assert joined == frames(pack.assemble(("取号成功", "请取走您的号票")))[3]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "text"),
        ("text=", "text"),
        ("text=%E4%BD%A0%E5%A5%BD", "text"),  # 你好: no segment for it
        ("text=" + "%E8%AF%B7" * 101, "text"),  # 请 x 101: too long
        ("text=%E8%AF%B7%E7%A1%AE%E8%AE%A4&lang=zh", "lang"),
        ("text=%E8%AF%B7&text=%E8%AF%B7", "text"),
    ],
)
async def test_a_phrase_the_pack_cannot_speak_is_refused_naming_text(
    start_hall: StartHall, built_pack: Path, query: str, field: str
) -> None:
    hall = await start_hall(voice_pack=built_pack)
    status, answer = await hall.call("GET", f"/voice/phrase.wav?{query}")
    assert status == 422, answer
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"]["message"].startswith(f"{field}: "), answer


async def test_a_phrase_without_a_pack_is_503(start_hall: StartHall) -> None:
    hall = await start_hall()
    status, answer = await hall.call("GET", "/voice/phrase.wav?text=%E8%AF%B7%E7%A1%AE%E8%AE%A4")
    assert (status, answer["error"]["code"]) == (503, "voice_unavailable")
