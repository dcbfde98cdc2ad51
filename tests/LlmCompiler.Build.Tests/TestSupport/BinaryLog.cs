using System.IO.Compression;
using System.Text;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>Searches a binlog's decompressed record stream for a string, in UTF-8 and UTF-16.</summary>
internal static class BinaryLog
{
    public static bool Contains(string binlogPath, string value)
    {
        using var file = File.OpenRead(binlogPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return bytes.IndexOf(Encoding.UTF8.GetBytes(value)) >= 0 || bytes.IndexOf(Encoding.Unicode.GetBytes(value)) >= 0;
    }
}
