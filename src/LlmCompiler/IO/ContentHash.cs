using System.Security.Cryptography;
using System.Text;

namespace LlmCompiler.IO;

/// <summary>Lower-case hex SHA-256, the one hash format of the contract (base hashes, cassette keys, provenance).</summary>
public static class ContentHash
{
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    public static string Sha256Hex(string text) => Sha256Hex(Encoding.UTF8.GetBytes(text));

    public static string Sha256Hex(Stream stream) => Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
}
