package org.referralexchange.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireFormatTests {

  @Test
  void readsBigEndianSchemaIdAfterMagicByte() {
    byte[] framed = new byte[] {0, 0x01, 0x02, 0x03, 0x04, 42};
    assertThat(WireFormat.schemaId(framed)).isEqualTo(0x01020304);
  }

  @Test
  void writesHeaderThatReadsBack() {
    byte[] framed = new byte[WireFormat.HEADER_SIZE];
    WireFormat.writeHeader(70_000, framed);
    assertThat(framed[0]).isEqualTo(WireFormat.MAGIC_BYTE);
    assertThat(WireFormat.schemaId(framed)).isEqualTo(70_000);
  }

  @Test
  void rejectsWrongMagicByteAsTypedSerializationException() {
    assertThatThrownBy(() -> WireFormat.schemaId(new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(AvroSerdeException.MalformedPayload.class)
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("magic byte 0x01");
  }

  @Test
  void rejectsRecordShorterThanHeader() {
    assertThatThrownBy(() -> WireFormat.schemaId(new byte[] {0, 0, 1}))
        .isInstanceOf(AvroSerdeException.MalformedPayload.class)
        .hasMessageContaining("3 bytes is too short");
  }
}
