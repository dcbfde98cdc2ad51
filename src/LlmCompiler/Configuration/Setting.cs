namespace LlmCompiler.Configuration;

/// <summary>Which front-end commands take a setting (MSBuild takes every setting that has a property).</summary>
[Flags]
public enum SettingScope
{
    None = 0,
    Plan = 1,
    Run = 2,
    Model = Plan | Run,
}

/// <summary>
/// One setting of every front-end: its command-line option and MSBuild property, placeholder, default and meaning.
/// The one table of these (<see cref="Settings.All"/>) builds the <c>llmc</c> options, parses both front-ends' raw
/// values, and is the settings table of the documentation.
/// </summary>
/// <param name="Name">The setting's key in the raw values.</param>
/// <param name="Option">The <c>llmc</c> option, or null when only MSBuild has it.</param>
/// <param name="Property">The MSBuild property, or null when only the command line has it.</param>
/// <param name="Placeholder">What the value looks like: <c>N</c>, <c>DIR</c>, or the choices <c>auto|required|off</c>.</param>
/// <param name="Default">The default, as the documentation says it.</param>
/// <param name="Repeatable">On the command line the option may be given several times; MSBuild separates values with ';'.</param>
public sealed record Setting(string Name, string? Option, string? Property, string Placeholder, string Default, string Description, SettingScope Scope, bool Repeatable = false)
{
    /// <summary>How errors and messages name the setting for <paramref name="source"/>.</summary>
    public string DisplayName(SettingsSource source) => source == SettingsSource.CommandLine ? Option ?? Property! : Property ?? Option!;
}
