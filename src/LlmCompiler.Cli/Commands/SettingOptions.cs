using System.CommandLine;
using LlmCompiler.Configuration;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Cli.Commands;

/// <summary>
/// The options of a command, made from the engine's settings table: the same name, placeholder, description and
/// default in every command and in the documentation, and parsed by the same parser as the MSBuild properties.
/// </summary>
internal sealed class SettingOptions
{
    // Settings whose default is one value, shown by System.CommandLine as "[default: …]".
    private static readonly HashSet<string> ConstantDefaults =
        [Settings.Model, Settings.ApiKeyEnv, Settings.Temperature, Settings.MaxAttempts, Settings.TimeoutSeconds,
         Settings.NetworkTimeoutSeconds, Settings.CallDeadlineSeconds, Settings.Sandbox, Settings.SandboxNetwork];

    private readonly List<(Setting Setting, Option Option)> _options = [];

    /// <param name="scope">The settings of this command.</param>
    /// <param name="aliases">Extra names for some options (old spellings kept working).</param>
    public SettingOptions(SettingScope scope, IReadOnlyDictionary<string, string>? aliases = null, params string[] excluded)
    {
        foreach (var setting in Settings.All.Where(s => s.Option is not null && (s.Scope & scope) != 0 && !excluded.Contains(s.Name)))
        {
            Option option = setting.Repeatable
                ? new Option<string[]>(setting.Option!) { AllowMultipleArgumentsPerToken = false }
                : new Option<string?>(setting.Option!) { DefaultValueFactory = ConstantDefaults.Contains(setting.Name) ? _ => setting.Default : null };
            option.Description = setting.Description + (ConstantDefaults.Contains(setting.Name) ? "" : $" Default: {setting.Default}.") + (setting.Repeatable ? " Repeatable." : "");
            option.HelpName = setting.Placeholder;
            if (aliases?.TryGetValue(setting.Name, out var alias) == true) option.Aliases.Add(alias);
            if (setting.Placeholder.Contains('|', StringComparison.Ordinal) && option is Option<string?> choice)
            {
                choice.AcceptOnlyFromAmong(setting.Placeholder.Split('|'));
            }
            _options.Add((setting, option));
        }
    }

    public void AddTo(Command command)
    {
        foreach (var (_, option) in _options) command.Options.Add(option);
    }

    /// <summary>The command line's settings through the one parser; relative paths are against the current directory.</summary>
    public (LlmcOptions Options, IReadOnlyList<Diagnostic> Errors) Bind(ParseResult parse, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (setting, option) in _options)
        {
            raw[setting.Name] = option switch
            {
                Option<string[]> many => parse.GetValue(many) is { Length: > 0 } values ? string.Join(';', values) : null,
                Option<string?> one => parse.GetValue(one),
                _ => null,
            };
        }
        if (extra is not null) foreach (var (name, value) in extra) raw[name] = value;
        return Settings.Parse(name => raw.GetValueOrDefault(name), SettingsSource.CommandLine, Directory.GetCurrentDirectory());
    }
}
