using System.Text.RegularExpressions;

namespace LlmCompiler.Llm;

/// <summary>
/// Last line of defence for text that leaves the process (diagnostics, ledger, cassettes): the exact key value
/// is removed first (an exact match beats any pattern), then common key shapes (<c>sk-…</c>, <c>Bearer …</c>).
/// </summary>
internal static partial class SecretRedactor
{
    public const string Mask = "[REDACTED]";

    public static string Redact(string text, string? exactSecret)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (!string.IsNullOrEmpty(exactSecret) && exactSecret.Length >= 8)
        {
            text = text.Replace(exactSecret, Mask, StringComparison.Ordinal);
        }

        text = KeyShape().Replace(text, Mask);
        return BearerToken().Replace(text, "Bearer " + Mask);
    }

    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{8,}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KeyShape();

    [GeneratedRegex(@"\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BearerToken();
}
