using System.CommandLine;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary>
/// The model options every command that calls a model takes (<c>plan</c>, <c>run</c>, <c>run-all</c>), with the same
/// names, placeholders, defaults and checks in each, and their translation to <see cref="LlmOptions"/>.
/// </summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = $"Model name (default {new LlmSettings().Model}).", HelpName = "NAME" };
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "OpenAI-compatible base URL (default: LLMC_ENDPOINT, OPENAI_BASE_URL, then OpenAI).", HelpName = "URL" };
    public Option<string> ApiKeyEnv { get; } = new("--api-key-env") { Description = "Name of the environment variable holding the API key.", DefaultValueFactory = _ => LlmSettings.DefaultApiKeyVariable, HelpName = "NAME" };
    public Option<string?> Mode { get; } = new("--llm-mode") { Description = "Live calls, record them, replay recorded ones only, or auto (replay what is recorded, record the rest). Default: auto with --cassettes, else live.", HelpName = "auto|live|record|replay" };
    public Option<string?> Cassettes { get; } = new("--cassettes") { Description = "Folder of recorded model exchanges.", HelpName = "DIR" };
    public Option<double?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature (default 0).", HelpName = "T" };
    public Option<decimal?> MaxCostUsd { get; } = new("--max-cost-usd") { Description = "Stop before a call that could take the run's live spend over this; needs a known price (--price-table).", HelpName = "USD" };
    public Option<long?> MaxTokens { get; } = new("--max-tokens") { Description = "Stop before a call that could take the run's live tokens (input + output) over this.", HelpName = "N" };
    public Option<string?> PriceTable { get; } = new("--price-table") { Description = "A JSON price table overriding or extending the built-in prices (needed for a USD budget on unlisted models).", HelpName = "FILE" };
    public Option<double?> NetworkTimeoutSeconds { get; } = new("--network-timeout-seconds") { Description = "Per network operation of a model call, per try (default 120).", HelpName = "SECONDS" };
    public Option<double?> CallDeadlineSeconds { get; } = new("--call-deadline-seconds") { Description = "Overall limit of one model call including retries (default 600).", HelpName = "SECONDS" };

    public ModelOptions() => Mode.AcceptOnlyFromAmong("auto", "live", "record", "replay");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Endpoint, ApiKeyEnv, Mode, Cassettes, Temperature, MaxCostUsd, MaxTokens, PriceTable, NetworkTimeoutSeconds, CallDeadlineSeconds })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The command line's model settings, or the usage error that prevents them.</summary>
    public (LlmOptions? Options, string? Error) Bind(ParseResult parse)
    {
        if (parse.GetValue(Temperature) is { } t && (t < 0 || t > 2)) return (null, "--temperature must be between 0 and 2");
        if (parse.GetValue(MaxCostUsd) is < 0) return (null, "--max-cost-usd must not be negative");
        if (parse.GetValue(MaxTokens) is <= 0) return (null, "--max-tokens must be positive");
        if (parse.GetValue(NetworkTimeoutSeconds) is <= 0) return (null, "--network-timeout-seconds must be positive");
        if (parse.GetValue(CallDeadlineSeconds) is <= 0) return (null, "--call-deadline-seconds must be positive");
        var priceTable = parse.GetValue(PriceTable);
        if (priceTable is not null && !File.Exists(priceTable)) return (null, $"--price-table '{priceTable}' does not exist");
        return (new LlmOptions(parse.GetValue(Model), parse.GetValue(Endpoint), parse.GetValue(ApiKeyEnv)!, parse.GetValue(Mode),
            parse.GetValue(Cassettes) is { } c ? Path.GetFullPath(c) : null, parse.GetValue(MaxCostUsd))
        {
            Temperature = parse.GetValue(Temperature) is { } temperature ? (float)temperature : null,
            NetworkTimeout = parse.GetValue(NetworkTimeoutSeconds) is { } nt ? TimeSpan.FromSeconds(nt) : null,
            CallDeadline = parse.GetValue(CallDeadlineSeconds) is { } cd ? TimeSpan.FromSeconds(cd) : null,
            PriceTablePath = priceTable is null ? null : Path.GetFullPath(priceTable),
            MaxTokens = parse.GetValue(MaxTokens),
        }, null);
    }
}
