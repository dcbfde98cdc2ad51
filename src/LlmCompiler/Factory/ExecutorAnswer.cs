using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory;

/// <summary>Turns the executor's raw text into a <see cref="WriteProposal"/>, or an <c>llm_output_invalid</c> refusal.</summary>
public static class ExecutorAnswer
{
    /// <summary>
    /// Finds the one JSON object in the answer with the LLM layer's extractor (E303 when there is none, with a
    /// position in the saved answer), then binds it as a proposal (E214).
    /// </summary>
    public static (WriteProposal? Proposal, GateFailure? Failure) Parse(string text, string savedResponsePath)
    {
        var (match, error) = JsonPayload.Extract(text);
        if (match is null)
        {
            var located = error! with { File = savedResponsePath };
            return (null, new GateFailure(FailureStage.LlmOutputInvalid, located.Code, $"Parse error:\n{located.ToCanonicalString()}\nRaw response (first 500 chars): {Head(text)}") { Cause = located });
        }
        // A bare answer is parsed as saved, so positions point into the saved file; otherwise into the extracted object.
        var json = match.Form == JsonPayloadForm.Bare && !match.HadLeadingProse && !match.HadTrailingProse ? text : match.Json;
        return Parse(SourceText.FromString(savedResponsePath, json), text);
    }

    private static string Head(string text) => text.Length > 500 ? text[..500] : text;

    /// <summary>Parses raw bytes as received (invalid UTF-8, duplicate keys and depth are the parser's to refuse).</summary>
    public static (WriteProposal? Proposal, GateFailure? Failure) Parse(SourceText source, string? rawForExcerpt = null)
    {
        var (proposal, diagnostics) = ContractReader.ReadWriteProposal(JsonSyntaxParser.Parse(source));
        if (proposal is not null) return (proposal, null);
        var errorList = diagnostics.Where(d => d.IsError).Take(20).ToList();
        var errors = string.Join("\n", errorList.Select(d => d.ToCanonicalString()));
        var first = errorList.FirstOrDefault();
        var cause = first is null ? null : DiagnosticCatalog.Create(DiagnosticCodes.ProposalInvalid, first.Message, first.WoId, first.Field) with { File = first.File, Line = first.Line, Column = first.Column };
        return (null, new GateFailure(FailureStage.LlmOutputInvalid, DiagnosticCodes.ProposalInvalid, $"Parse error:\n{errors}\nRaw response (first 500 chars): {Head(rawForExcerpt ?? "")}") { Cause = cause });
    }
}
