using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;

namespace LlmCompiler.Factory;

/// <summary>Turns the executor's raw text into a <see cref="WriteProposal"/>, or an <c>llm_output_invalid</c> refusal.</summary>
public static class ExecutorAnswer
{
    public static (WriteProposal? Proposal, GateFailure? Failure) Parse(string text, string savedResponsePath) =>
        Parse(SourceText.FromString(savedResponsePath, ExtractJson(text)), text);

    /// <summary>Parses raw bytes as received (invalid UTF-8, duplicate keys and depth are the parser's to refuse).</summary>
    public static (WriteProposal? Proposal, GateFailure? Failure) Parse(SourceText source, string? rawForExcerpt = null)
    {
        var (proposal, diagnostics) = ContractReader.ReadWriteProposal(JsonSyntaxParser.Parse(source));
        if (proposal is not null) return (proposal, null);
        var errors = string.Join("\n", diagnostics.Where(d => d.IsError).Take(20).Select(d => d.ToCanonicalString()));
        var raw = rawForExcerpt ?? "";
        var head = raw.Length > 500 ? raw[..500] : raw;
        return (null, new GateFailure(FailureStage.LlmOutputInvalid, "E214", $"Parse error:\n{errors}\nRaw response (first 500 chars): {head}"));
    }

    /// <summary>Accepts a bare JSON object, or one wrapped in exactly one code fence and nothing else.</summary>
    public static string ExtractJson(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || !trimmed.EndsWith("```", StringComparison.Ordinal) || trimmed.Length < 6) return text;
        var firstNewline = trimmed.IndexOf('\n');
        if (firstNewline < 0) return text;
        var inner = trimmed[(firstNewline + 1)..^3];
        return inner.Contains("```", StringComparison.Ordinal) ? text : inner;
    }
}
