using System.Text;
using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Tests.Contracts;

/// <summary>Line and column of every byte offset, checked against counting from the start of the text.</summary>
[TestClass]
public sealed class SourceTextTests
{
    [TestMethod]
    public void Every_offset_of_a_long_mixed_text_has_the_line_and_column_an_editor_shows()
    {
        var random = new Random(7);
        var builder = new StringBuilder();
        for (var line = 0; line < 300; line++)
        {
            builder.Append(new string('x', random.Next(0, 40))).Append(random.Next(4) == 0 ? "\u00fc\u20ac\ud83d\ude00" : "");
            builder.Append(random.Next(5) == 0 ? "\r\n" : "\n");
        }
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        var source = new SourceText("t.txt", bytes);
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            Assert.AreEqual(Naive(bytes, offset), source.GetPosition(offset), $"offset {offset}");
        }
    }

    [TestMethod]
    public void A_line_index_and_byte_in_line_find_the_same_position_as_the_offset()
    {
        var lines = Enumerable.Range(0, 100).Select(i => new string('a', i % 7) + "\u00e9" + i).ToArray();
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var source = new SourceText(null, bytes);
        var offset = 0;
        for (var line = 0; line < lines.Length; line++)
        {
            Assert.AreEqual(source.GetPosition(offset + 2), source.GetPosition(line, 2), $"line {line}");
            offset += Encoding.UTF8.GetByteCount(lines[line]) + 1;
        }
        Assert.AreEqual(new LlmCompiler.Diagnostics.SourcePosition(1, 1), source.GetPosition(lines.Length + 5, 0));
    }

    [TestMethod]
    [DataRow(1_000, 0, DisplayName = "newlines only: every 32-byte block full")]
    [DataRow(0, 3_000, DisplayName = "one long line")]
    [DataRow(700, 70, DisplayName = "runs of newlines between long lines")]
    public void Lines_found_a_block_at_a_time_are_the_lines_found_a_byte_at_a_time(int newlines, int lineLength)
    {
        var random = new Random(newlines + lineLength);
        var builder = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            builder.Append('a', random.Next(0, lineLength + 1)).Append('\n', random.Next(0, newlines / 10 + 1));
        }
        builder.Append('\n', newlines % 97);
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        var source = new SourceText("t.txt", bytes);
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            Assert.AreEqual(Naive(bytes, offset), source.GetPosition(offset), $"offset {offset}");
        }
    }

    private static LlmCompiler.Diagnostics.SourcePosition Naive(byte[] bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (bytes[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return new(line, Encoding.UTF8.GetCharCount(bytes, lineStart, offset - lineStart) + 1);
    }
}
