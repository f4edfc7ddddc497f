namespace TaskManager.Infrastructure.Database;

public static class DatabaseExtensions
{
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .Configure<IConfiguration>((o, configuration) =>
            {
                o.ConnectionString = configuration.GetConnectionString("Postgres") ?? "";
                o.MigrationsConnectionString = configuration.GetConnectionString("PostgresMigrations") is { Length: > 0 } owner ? owner : null;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Snake_case columns map onto PascalCase properties without aliases in every query.
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var csb = new NpgsqlConnectionStringBuilder(options.ConnectionString)
            {
                CommandTimeout = options.CommandTimeoutSeconds,
                Timeout = options.ConnectTimeoutSeconds,
                MaxPoolSize = options.MaxPoolSize,
                MaxAutoPrepare = options.MaxAutoPrepare,
                NoResetOnClose = !options.ResetOnClose,
            };
            csb.ApplicationName ??= "taskmanager";
            return new NpgsqlDataSourceBuilder(csb.ConnectionString)
                .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
                .Build();
        });

        builder.Services.AddSingleton<DbSession>();
        builder.Services.AddSingleton<DatabaseStartup>();
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddHostedService<DatabaseInitializer>();
        builder.Services.AddHealthChecks().AddNpgSql(tags: ["ready"], name: "postgres");
        return builder;
    }
}
