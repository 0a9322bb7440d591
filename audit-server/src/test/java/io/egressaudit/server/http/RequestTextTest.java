package io.egressaudit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestTextTest {

  /** The text as an HTTP decoder hands it over: the UTF-8 bytes, one character each. */
  private static String onTheWire(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  private static String bytes(int... b) {
    char[] c = new char[b.length];
    for (int i = 0; i < b.length; i++) {
      c[i] = (char) b[i];
    }
    return new String(c);
  }

  @Test
  void utf8IsDecoded() {
    assertThat(RequestText.utf8(onTheWire("/é"))).isEqualTo("/é").isNotEqualTo("/Ã©");
    assertThat(RequestText.utf8(onTheWire("/測試/😀?q=ü"))).isEqualTo("/測試/😀?q=ü");
  }

  @Test
  void controlCharactersAreStoredAsHexAsImportLogStoresThem() {
    assertThat(RequestText.utf8("/a\u0000b\u001fc\u007f")).isEqualTo("/a\\x00b\\x1fc\\x7f");
    assertThat(RequestText.utf8(onTheWire("/é\u0000"))).isEqualTo("/é\\x00");
    assertThat(RequestText.utf8("/測\u0001")).isEqualTo("/測\\x01");
    assertThat(RequestText.utf8("/tab\there")).isEqualTo("/tab\\x09here");
  }

  @Test
  void asciiIsReturnedAsItIs() {
    String ascii = "/probe/abc?x=1 curl/8.5.0";
    assertThat(RequestText.utf8(ascii)).isSameAs(ascii);
    assertThat(RequestText.utf8((String) null)).isNull();
  }

  @Test
  void invalidBytesStayVisibleAsHex() {
    assertThat(RequestText.utf8("/bad-" + bytes(0xc3, '(', 0xff)))
        .as("a lead byte without its continuation, a byte UTF-8 never uses")
        .isEqualTo("/bad-\\xc3(\\xff");
    assertThat(RequestText.utf8(bytes(0xc0, 0xaf))).as("overlong '/'").isEqualTo("\\xc0\\xaf");
    assertThat(RequestText.utf8(bytes(0xed, 0xa0, 0x80)))
        .as("a UTF-16 surrogate")
        .isEqualTo("\\xed\\xa0\\x80");
    assertThat(RequestText.utf8(bytes(0xf4, 0x90, 0x80, 0x80)))
        .as("past U+10FFFF")
        .isEqualTo("\\xf4\\x90\\x80\\x80");
    assertThat(RequestText.utf8("end-" + bytes(0xe2, 0x82)))
        .as("cut off at the end")
        .isEqualTo("end-\\xe2\\x82");
    assertThat(RequestText.utf8(bytes(0xe2, 0x82, 0xac) + bytes(0x80) + onTheWire("é")))
        .as("valid text around an invalid byte is decoded")
        .isEqualTo("€\\x80é");
  }

  @Test
  void textAlreadyDecodedIsLeftAlone() {
    assertThat(RequestText.utf8("/é/測試")).isEqualTo("/é/測試");
  }
}
