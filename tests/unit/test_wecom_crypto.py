"""The WeCom crypto wrapper against WeCom's and wechatpy's published sample values, and
our independent test client against the same values (PLATFORMS.md §1.6)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.wecom.crypto import (BadSignature, CryptoConfigError, MalformedMessage,
                                       WecomCrypto, WrongReceiver)
from tests.fakes.wecom_client import WecomClient

# Set A: Tencent's sample (sbzhu/weworkapi_python callback_python3/Sample.py @ db49731).
A = dict(token="hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
         key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", corp="ww1436e0e65a779aee")
A_VERIFY = ("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
            "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==")
A_MSG = ("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
         "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3Ny"
         "eTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqf"
         "de0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2p"
         "FrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg8"
         "4EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+")
A_PLAIN = ("<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun"
           "</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType>"
           "<Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>")

# Set B: the WeCom doc's worked example (加解密方案说明), and the GET in the sample's docstring.
B = dict(token="QDG6eK", key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
         corp="wx5823bf96d3bd56c7")
B_VERIFY = ("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
            "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
B_MSG = ("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
         "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Q"
         "czcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJ"
         "s8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4"
         "zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMN"
         "S0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDA"
         "Ve0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==")
B_PLAIN = ("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName>"
           "<![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n"
           "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
           "<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>")

# Set C: wechatpy v1.8.18 tests/test_crypto.py (enterprise).
C = dict(token="123456", key="kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
         corp="wx49f0ab532d5d035a")
C_VERIFY = ("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425",
            "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==")
C_MSG = ("74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294",
         "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IH"
         "CrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaX"
         "pXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHz"
         "kVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcU"
         "GAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=")
C_PLAIN = ("<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName>"
           "<![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n"
           "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
           "<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>")
C_REPLY = ("<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
           "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName>"
           "<![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903"
           "</CreateTime>\n</xml>")
C_REPLY_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNc"
    "BqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY"
    "0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsV"
    "bwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAG"
    "VRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3")


def crypto(s, **kw) -> WecomCrypto:
    return WecomCrypto(s["token"], s["key"], s["corp"], **kw)


def client(s) -> WecomClient:
    return WecomClient(s["token"], s["key"], s["corp"])


def test_the_issue_s_sample_get_verifies_and_decrypts_to_its_echo():
    assert crypto(B).decrypt_echo(*B_VERIFY) == "1616140317555161061"


@pytest.mark.parametrize("s, vector, echo", [(A, A_VERIFY, "1288432023552776189"),
                                             (C, C_VERIFY, "5927782489442352469")])
def test_the_published_url_verifications_decrypt_to_their_echo(s, vector, echo):
    assert crypto(s).decrypt_echo(*vector) == echo


@pytest.mark.parametrize("s, vector, plain", [(A, A_MSG, A_PLAIN), (B, B_MSG, B_PLAIN),
                                              (C, C_MSG, C_PLAIN)])
def test_the_published_messages_decrypt_to_their_exact_plaintext(s, vector, plain):
    assert crypto(s).decrypt(*vector) == plain


def test_wechatpy_s_reply_vector_is_reproduced_with_its_random_prefix():
    envelope = crypto(C, prefix=lambda: "1234567890123456").encrypt_reply(
        C_REPLY, "461056294", "1411525903")
    assert f"<Encrypt><![CDATA[{C_REPLY_ENCRYPT}]]></Encrypt>" in envelope
    assert "<MsgSignature><![CDATA[407518b7649e86ef23978113f92d27afa9296533]]>" in envelope


@pytest.mark.parametrize("s, vector", [(A, A_VERIFY), (A, A_MSG), (B, B_VERIFY),
                                       (B, B_MSG), (C, C_VERIFY), (C, C_MSG)])
def test_the_test_client_reproduces_every_published_ciphertext_and_signature(s, vector):
    signature, timestamp, nonce, encrypt = vector
    fake = client(s)
    prefix, plain, receive_id = fake.decrypt(encrypt)
    assert receive_id == s["corp"] and len(prefix) == 16
    assert fake.encrypt(plain, prefix=prefix) == encrypt
    assert fake.sign(timestamp, nonce, encrypt) == signature


def test_the_test_client_reproduces_wechatpy_s_reply_vector():
    assert client(C).encrypt(C_REPLY, prefix=b"1234567890123456") == C_REPLY_ENCRYPT
    assert client(C).sign("1411525903", "461056294", C_REPLY_ENCRYPT) == \
        "407518b7649e86ef23978113f92d27afa9296533"


def test_a_signature_off_by_one_nonce_is_refused():
    signature, timestamp, _, echo = C_VERIFY
    with pytest.raises(BadSignature):
        crypto(C).decrypt_echo(signature, timestamp, "437374424", echo)


@pytest.mark.parametrize("signature", ["", "not-hex", "0" * 40, "5c45ff5e" * 6, None])
def test_a_missing_or_wrong_signature_is_refused_before_decrypting(signature):
    _, timestamp, nonce, echo = B_VERIFY
    with pytest.raises(BadSignature):
        crypto(B).decrypt_echo(signature, timestamp, nonce, echo)


def test_an_uppercase_signature_is_still_the_same_signature():
    signature, *rest = B_VERIFY
    assert crypto(B).decrypt_echo(signature.upper(), *rest) == "1616140317555161061"


def test_a_message_for_another_corp_is_refused_even_when_signed_with_our_token():
    fake = client(B)
    encrypt = fake.encrypt("<xml/>", receive_id="wwSomeOtherCorp")
    with pytest.raises(WrongReceiver):
        crypto(B).decrypt(fake.sign("1", "2", encrypt), "1", "2", encrypt)


@pytest.mark.parametrize("encrypt", ["not base64!", "QUJD", "A" * 44])
def test_garbage_with_a_valid_signature_is_malformed_not_a_crash(encrypt):
    fake = client(B)
    with pytest.raises(MalformedMessage):
        crypto(B).decrypt(fake.sign("1", "2", encrypt), "1", "2", encrypt)


def test_ciphertext_made_with_another_key_is_refused():
    other = WecomClient(B["token"], C["key"], B["corp"])
    encrypt = other.encrypt("<xml><a>1</a></xml>")
    with pytest.raises((MalformedMessage, WrongReceiver)):
        crypto(B).decrypt(other.sign("1", "2", encrypt), "1", "2", encrypt)


@pytest.mark.parametrize("timestamp, nonce", [("", "1"), ("12a", "1"), ("1", ""), ("1", "x y")])
def test_missing_or_odd_timestamp_and_nonce_are_malformed(timestamp, nonce):
    with pytest.raises(MalformedMessage):
        crypto(B).decrypt("0" * 40, timestamp, nonce, "QUJD")


@pytest.mark.parametrize("token, key, corp, named", [
    ("", B["key"], B["corp"], "wecom.token"),
    ("t" * 33, B["key"], B["corp"], "wecom.token"),
    ("tok en", B["key"], B["corp"], "wecom.token"),
    (B["token"], B["key"][:-1], B["corp"], "wecom.encoding_aes_key"),
    (B["token"], B["key"][:-1] + "=", B["corp"], "wecom.encoding_aes_key"),
    (B["token"], B["key"][:-1] + "é", B["corp"], "wecom.encoding_aes_key"),
    (B["token"], B["key"], "", "wecom.corp_id"),
    (B["token"], B["key"], "ww 123", "wecom.corp_id"),
])
def test_unusable_keys_raise_a_real_error_naming_the_key(token, key, corp, named):
    with pytest.raises(CryptoConfigError, match=named):
        WecomCrypto(token, key, corp)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=600))
def test_what_the_client_encrypts_we_decrypt_and_what_we_encrypt_the_client_reads(text):
    ours, fake = crypto(B), client(B)
    encrypt = fake.encrypt(text)
    assert ours.decrypt(fake.sign("1700000000", "42", encrypt), "1700000000", "42", encrypt) == text
    envelope = ours.encrypt_reply("<xml><Content>x</Content></xml>", "7", "1700000000")
    assert fake.read_reply(envelope) == {"Content": "x"}


def test_reply_prefixes_are_random():
    ours, fake = crypto(B), client(B)
    import xml.etree.ElementTree as ET
    prefixes = {fake.decrypt(ET.fromstring(ours.encrypt_reply("<xml/>", "1", "1"))
                             .findtext("Encrypt"))[0] for _ in range(20)}
    assert len(prefixes) == 20
