using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Factory.Attempts.Stages;

/// <summary>The executor prompt (with the previous failure's brief), one model call, and its answer read as a write proposal.</summary>
internal sealed class ProposeStage : IAttemptStage
{
    private const string ProposalSchema = """
        {"type":"object","additionalProperties":false,"required":["summary","writes"],"properties":{"summary":{"type":"string"},"writes":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["path","base_sha256","content"],"properties":{"path":{"type":"string"},"base_sha256":{"type":"string"},"content":{"type":"string"}}}}}}
        """;

    // LLM failures another attempt cannot fix: no key, cassette miss, budget gone, broken cassette file, and a
    // transport failure or deadline the call already retried with back-off (retrying the attempt as well would
    // multiply the calls against a failing endpoint: 3 attempts × 4 tries).
    private static readonly HashSet<string> FatalLlmCodes = [DiagnosticCodes.NoCredentials, DiagnosticCodes.TransportFailed, DiagnosticCodes.CassetteMiss, DiagnosticCodes.BudgetExhausted, DiagnosticCodes.CallDeadline, DiagnosticCodes.CassetteInvalid,
        DiagnosticCodes.TooManyFailedAttempts, DiagnosticCodes.TooManyTransportFailures, DiagnosticCodes.SystemicFailure, DiagnosticCodes.StoppedByHealth];

    public string Name => "propose";

    /// <summary>The request's purpose (and the cassette's prefix): the role, <c>executor</c>, <c>escalation</c> or <c>test_author</c>.</summary>
    internal static string Purpose(AttemptContext context) => context.Role == AttemptRole.TestAuthor ? "test_author" : context.ModelRole?.Name ?? "executor";

    public async ValueTask<StageResult> RunAsync(AttemptContext context, CancellationToken ct)
    {
        var run = context.Run;
        var previous = context.Previous;
        var author = context.Role == AttemptRole.TestAuthor;
        var role = context.ModelRole;
        var model = role?.Model ?? context.Options.Model ?? "";
        // Without configured roles there is one model: the line stays what it always was.
        var configured = context.Options.Roles.Bindings.Count > 0;
        var shownModel = !configured || model.Length == 0 ? "" : $" ({model})";
        run.Log.WriteLine(author
            ? $"llmc: {context.WorkOrder.Id} tests first, attempt {context.Attempt}/{context.AttemptsOfRole}: asking the test author{shownModel}{(previous is null ? "" : $" (retry after {previous.Code})")}"
            : $"llmc: {context.WorkOrder.Id} attempt {context.Attempt}/{context.AttemptsOfRole}: asking the {(configured ? role?.Name ?? "model" : "model")}{shownModel}{(previous is null ? "" : $" (retry after {previous.Code})")}");
        var prompt = author
            ? ExecutorPrompt.BuildTestAuthor(context.WorkOrder, context.Worktree, previous, context.Options.ContextBudgetBytes, run.Session.Redactor)
            : ExecutorPrompt.Build(context.WorkOrder, context.Worktree, previous, context.Options.ContextBudgetBytes, run.Session.Redactor, run.Frozen?.Files.Select(f => f.Path).ToList() ?? []);
        run.Artifacts.WriteText($"{context.Directory}/{Purpose(context)}_prompt.md", prompt);
        run.Journal.Append(JournalEvents.LlmCall, new JsonObject { ["attempt"] = context.Attempt, ["role"] = Purpose(context), ["model"] = model });
        var request = new LlmRequest(Purpose(context), [LlmMessage.User(prompt)])
        {
            JsonSchemaName = "write_proposal", JsonSchema = ProposalSchema,
            Model = string.IsNullOrEmpty(role?.Model) ? null : role.Model, Endpoint = role?.Endpoint, ApiKeyEnvironmentVariable = role?.ApiKeyVariable, Temperature = role?.Temperature,
        };
        var result = await run.Llm.CompleteAsync(request, ct).ConfigureAwait(false);
        run.Usage.Record(result, Purpose(context), result.Response?.Model ?? model);
        context.Record.Role = Purpose(context);
        context.Record.Model = result.Response?.Model ?? model;
        if (result.Response is not { } response)
        {
            var error = result.Error! with { Message = run.Redact(result.Error!.Message) };
            var stage = error.Code is DiagnosticCodes.Truncated or DiagnosticCodes.Unparseable or DiagnosticCodes.Refused or DiagnosticCodes.ResponseTooLarge ? FailureStage.LlmOutputInvalid : FailureStage.Exception;
            // The prompt learns what was wrong with the answer, never transport details (endpoints, request ids, server text).
            var brief = Briefs.Brief(stage, error.Code, ModelFacing(error), "The model call failed; the harness will retry if the failure is transient.") with { Cause = error };
            return FatalLlmCodes.Contains(error.Code) ? StageResult.Stop(brief) : StageResult.Fail(brief);
        }
        context.Response = response;
        context.AnswerHash = ContentHash.Sha256Hex(response.Text);

        var rawRelative = $"{context.Directory}/raw_llm_response.txt";
        run.Artifacts.WriteText(rawRelative, run.Redact(response.Text));
        var (proposal, invalid) = ExecutorAnswer.Parse(response.Text, run.Artifacts.PathOf(rawRelative));
        if (proposal is null)
        {
            return StageResult.Fail(Briefs.Brief(invalid!.Stage, invalid.Code, run.Redact(invalid.Message),
                "Answer with exactly one JSON object {summary, writes:[{path, base_sha256, content}]}, no prose or fences.") with { Cause = invalid.Cause });
        }
        var proposalRelative = $"{context.Directory}/proposed_writes.json";
        run.Artifacts.WriteText(proposalRelative, run.Redact(JsonSerializer.Serialize(proposal, ContractJsonContext.Files.WriteProposal)) + "\n");
        context.Record.ProposalPath = run.Artifacts.PathOf(proposalRelative);
        context.Proposal = proposal;
        return StageResult.Continue;
    }

    /// <summary>What the next prompt is told about a failed model call: the kind of failure, never transport details.</summary>
    private static string ModelFacing(Diagnostic error) => error.Code switch
    {
        DiagnosticCodes.Truncated => "Your previous answer was cut off at the output token limit, so it was incomplete. Answer with less: write only the files the work order needs.",
        DiagnosticCodes.Unparseable => "Your previous answer was not a parseable JSON object.",
        DiagnosticCodes.Refused => "Your previous answer was a refusal or was stopped by the content filter.",
        DiagnosticCodes.ResponseTooLarge => "Your previous answer was larger than the 10 MiB limit.",
        _ => $"The previous model call failed ({error.Code}: {DiagnosticCatalog.Get(error.Code).Title}).",
    };
}
