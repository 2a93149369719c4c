// Every error text Strata sends, in one place, spelled exactly as Redis 7.0 spells it.
//
// Texts are stored without the leading '-' and the trailing CRLF: the reply writer adds both.
// Texts with a "{}" are fmt format strings; the caller formats them with fmt::format.
#ifndef STRATA_COMMON_ERROR_TEXTS_H_
#define STRATA_COMMON_ERROR_TEXTS_H_

namespace strata::errors {

// Protocol errors. The connection is closed once the reply has been sent.
inline constexpr char kProtoInvalidMultibulkLen[] = "ERR Protocol error: invalid multibulk length";
inline constexpr char kProtoInvalidBulkLen[] = "ERR Protocol error: invalid bulk length";
inline constexpr char kProtoTooBigMbulkCount[] = "ERR Protocol error: too big mbulk count string";
inline constexpr char kProtoTooBigBulkCount[] = "ERR Protocol error: too big bulk count string";
inline constexpr char kProtoTooBigInline[] = "ERR Protocol error: too big inline request";
inline constexpr char kProtoUnbalancedQuotes[] = "ERR Protocol error: unbalanced quotes in request";
inline constexpr char kFmtProtoExpectedDollar[] = "ERR Protocol error: expected '$', got '{}'";

// Dispatcher.
inline constexpr char kFmtUnknownCommand[] = "ERR unknown command '{}', with args beginning with: {}";
inline constexpr char kFmtWrongArgs[] = "ERR wrong number of arguments for '{}' command";
inline constexpr char kFmtSetInfoOption[] = "ERR Unrecognized option '{}'";
inline constexpr char kFmtSetInfoValue[] = "ERR {} cannot contain spaces, newlines or special characters.";
inline constexpr char kSlowlogCount[] = "ERR count should be greater than or equal to -1";
inline constexpr char kFmtLatencyNoSamples[] = "ERR No samples available for event '{}'";
inline constexpr char kFmtUnknownSubcommand[] = "ERR unknown subcommand '{}'. Try {} HELP.";
inline constexpr char kFmtSubcommandSyntax[] =
    "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.";
inline constexpr char kMaxClients[] = "ERR max number of clients reached";
// Sent to a connection protected mode refuses, which is then closed.
inline constexpr char kProtectedMode[] =
    "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the "
    "default user. In this mode connections are only accepted from the loopback interface. If you want to connect "
    "from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode "
    "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the "
    "same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. "
    "Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by "
    "editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the "
    "server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the "
    "above things in order for the server to start accepting connections from the outside.";
inline constexpr char kNoAuth[] = "NOAUTH Authentication required.";
inline constexpr char kWrongPass[] = "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr char kAuthNotConfigured[] =
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?";
inline constexpr char kNoProto[] = "NOPROTO unsupported protocol version";
inline constexpr char kFmtSubscribedContext[] =
    "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
    "context";
inline constexpr char kOom[] = "OOM command not allowed when used memory > 'maxmemory'.";

// Generic argument errors.
inline constexpr char kSyntax[] = "ERR syntax error";
inline constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
inline constexpr char kNotFloat[] = "ERR value is not a valid float";
inline constexpr char kOverflow[] = "ERR increment or decrement would overflow";
inline constexpr char kNanOrInfinity[] = "ERR increment would produce NaN or Infinity";
inline constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
inline constexpr char kInvalidCursor[] = "ERR invalid cursor";
inline constexpr char kFmtInvalidExpireTime[] = "ERR invalid expire time in '{}' command";
inline constexpr char kFmtNotAnInteger[] = "ERR {} is not an integer or out of range";
inline constexpr char kValueOutOfRange[] = "ERR value is out of range";
inline constexpr char kFmtValueOutOfRangeBetween[] = "ERR value is out of range, value must between {} and {}";
inline constexpr char kNumkeysNotPositive[] = "ERR numkeys should be greater than 0";
inline constexpr char kCountNotPositive[] = "ERR count should be greater than 0";
inline constexpr char kLimitNegative[] = "ERR LIMIT can't be negative";
inline constexpr char kIntOutOfRange[] = "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr char kFmtUnsupportedOption[] = "ERR Unsupported option {}";

// Keyspace.
inline constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr char kNoSuchKey[] = "ERR no such key";
inline constexpr char kDbIndexOutOfRange[] = "ERR DB index is out of range";
inline constexpr char kInvalidDbIndex[] = "ERR invalid DB index";
inline constexpr char kSameObject[] = "ERR source and destination objects are the same";
inline constexpr char kExpireOptionsNxXxGtLt[] =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr char kExpireOptionsGtLt[] =
    "ERR GT and LT options at the same time are not compatible";
inline constexpr char kInvalidFirstDbIndex[] = "ERR invalid first DB index";
inline constexpr char kInvalidSecondDbIndex[] = "ERR invalid second DB index";
inline constexpr char kLfuNotSelected[] =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr char kLfuSelected[] =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.";

// Strings and bitmaps.
inline constexpr char kStringTooLong[] = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr char kOffsetOutOfRange[] = "ERR offset is out of range";
inline constexpr char kBitOffsetNotInteger[] = "ERR bit offset is not an integer or out of range";
inline constexpr char kBitNotInteger[] = "ERR bit is not an integer or out of range";
inline constexpr char kBitArgument[] = "ERR The bit argument must be 1 or 0.";
inline constexpr char kBitopNotSingleSource[] = "ERR BITOP NOT must be called with a single source key.";
inline constexpr char kBitfieldType[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
inline constexpr char kBitfieldOverflowType[] = "ERR Invalid OVERFLOW type specified";
inline constexpr char kBitfieldRoOnlyGet[] = "ERR BITFIELD_RO only supports the GET subcommand";
inline constexpr char kDecrementOverflow[] = "ERR decrement would overflow";
inline constexpr char kLcsNotStrings[] = "ERR The specified keys must contain string values";
inline constexpr char kLcsLenAndIdx[] = "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr char kLcsTooMuchMemory[] =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

// Lists.
inline constexpr char kIndexOutOfRange[] = "ERR index out of range";
inline constexpr char kLposRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
    "or use negative to start from the end of the list";
inline constexpr char kLposCountNegative[] = "ERR COUNT can't be negative";
inline constexpr char kLposMaxlenNegative[] = "ERR MAXLEN can't be negative";

// Sorted sets.
inline constexpr char kZAddXxAndNx[] = "ERR XX and NX options at the same time are not compatible";
inline constexpr char kZAddGtLtNx[] = "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr char kZAddIncrPair[] = "ERR INCR option supports a single increment-element pair";
inline constexpr char kZSetScoreNaN[] = "ERR resulting score is not a number (NaN)";
inline constexpr char kMinMaxNotFloat[] = "ERR min or max is not a float";
inline constexpr char kMinMaxNotLex[] = "ERR min or max not valid string range item";
inline constexpr char kZRangeLimitNeedsBy[] =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr char kZRangeWithScoresByLex[] =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
inline constexpr char kWeightNotFloat[] = "ERR weight value is not a float";
inline constexpr char kFmtAtLeastOneKey[] = "ERR at least 1 input key is needed for '{}' command";

// Sets.
inline constexpr char kNumkeysExceedArgs[] = "ERR Number of keys can't be greater than number of args";

// Server and connection.
inline constexpr char kClientNameInvalid[] =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr char kNoSuchClient[] = "ERR No such client";
inline constexpr char kUnblocked[] = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
inline constexpr char kUnblockReason[] = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
inline constexpr char kTimeoutNegative[] = "ERR timeout is negative";
inline constexpr char kTimeoutNotInteger[] = "ERR timeout is not an integer or out of range";
inline constexpr char kClientPauseMode[] = "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr char kTimeoutNotFloat[] = "ERR timeout is not a float or out of range";
inline constexpr char kFmtUnknownConfig[] = "ERR Unknown option or number of arguments for CONFIG SET - '{}'";
inline constexpr char kFmtConfigSetFailed[] = "ERR CONFIG SET failed (possibly related to argument '{}') - {}";
// The reason (in kFmtConfigSetFailed, or a config file error) for a value of a directive of
// redis-server that Strata does not implement; {} is Redis's default value.
inline constexpr char kFmtConfigNotImplemented[] =
    "not implemented by Strata yet; only its default value '{}' is accepted";
inline constexpr char kNoConfigFile[] = "ERR The server is running without a config file";
inline constexpr char kFmtConfigRewriteFailed[] = "ERR Rewriting config file: {}";
inline constexpr char kNoShutdownInProgress[] = "ERR No shutdown in progress.";
inline constexpr char kLoading[] = "LOADING Redis is loading the dataset in memory";
inline constexpr char kMisconf[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
    "Commands that may modify the data set are disabled, because this instance is configured to report errors "
    "during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs "
    "for details about the RDB error.";
inline constexpr char kBgsaveInProgress[] = "ERR Background save already in progress";
// SAVE and BGSAVE fail with a bare "ERR", as Redis replies shared.err (the log says why).
inline constexpr char kSaveFailed[] = "ERR";
inline constexpr char kDebugNotAllowed[] =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a "
    "local connection, otherwise you need to set this option in the configuration file, and then restart the "
    "server.";
inline constexpr char kDebugReloadSaveFailed[] = "ERR Error trying to save the RDB dump";
inline constexpr char kDebugReloadLoadFailed[] = "ERR Error trying to load the RDB dump, check server logs.";
inline constexpr char kDebugReloadOptions[] = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
inline constexpr char kDebugNotListpack[] = "ERR Not a listpack encoded object.";
inline constexpr char kDebugProtocolType[] =
    "ERR Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
inline constexpr char kDebugPushResp2[] = "ERR RESP2 is not supported by this command";
inline constexpr char kDebugPackedThreshold[] = "ERR argument must be a memory value bigger than 1 and smaller than 4gb";

// DUMP and RESTORE.
inline constexpr char kBusyKey[] = "BUSYKEY Target key name already exists.";
inline constexpr char kInvalidTtl[] = "ERR Invalid TTL value, must be >= 0";
inline constexpr char kInvalidIdleTime[] = "ERR Invalid IDLETIME value, must be >= 0";
inline constexpr char kInvalidFreq[] = "ERR Invalid FREQ value, must be >= 0 and <= 255";
inline constexpr char kShutdownFailed[] = "ERR Errors trying to SHUTDOWN. Check logs.";
inline constexpr char kClientIdNotPositive[] = "ERR client-id should be greater than 0";
inline constexpr char kInvalidClientId[] = "ERR Invalid client ID";
inline constexpr char kFmtUnknownClientType[] = "ERR Unknown client type '{}'";
inline constexpr char kFmtNoSuchUser[] = "ERR No such user '{}'";
inline constexpr char kInvalidCommandSpecified[] = "ERR Invalid command specified";
inline constexpr char kCommandHasNoKeys[] = "ERR The command has no key arguments";
inline constexpr char kInvalidCommandArgCount[] = "ERR Invalid number of arguments specified for command";
inline constexpr char kInvalidCommandArgs[] = "ERR Invalid arguments specified for command";

// Access control (ACL). A refused rule's reason follows "modifier '<rule>': ".
inline constexpr char kFmtNoPermCommand[] = "NOPERM this user has no permissions to run the '{}' command";
inline constexpr char kNoPermKey[] = "NOPERM this user has no permissions to access one of the keys used as arguments";
inline constexpr char kNoPermChannel[] =
    "NOPERM this user has no permissions to access one of the channels used as arguments";
// EXEC of a queued call the user may no longer make, with one of the three reasons.
inline constexpr char kFmtNoPermAtExec[] =
    "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This "
    "command is no longer allowed for the following reason: {}";
inline constexpr char kNoPermAtExecCommand[] = "no permission to execute the command or subcommand";
inline constexpr char kNoPermAtExecKey[] = "no permission to touch the specified keys";
inline constexpr char kNoPermAtExecChannel[] = "no permission to access one of the channels used as arguments";
inline constexpr char kFmtAclSetUserModifier[] = "ERR Error in ACL SETUSER modifier '{}': {}";
inline constexpr char kAclRuleSyntax[] = "Syntax error";
inline constexpr char kAclUnknownCommandOrCategory[] = "Unknown command or category name in ACL";
inline constexpr char kAclPatternAfterAllKeys[] =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try "
    "'resetkeys' to start with an empty list of patterns";
inline constexpr char kAclPatternAfterAllChannels[] =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";
inline constexpr char kAclBadPasswordHash[] =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
inline constexpr char kAclNoSuchPassword[] = "The password you are trying to remove from the user does not exist";
inline constexpr char kFmtAclUnmatchedParenthesis[] = "ERR Unmatched parenthesis in acl selector starting at '{}'.";
inline constexpr char kAclBadUsername[] = "ERR Usernames can't contain spaces or null characters";
inline constexpr char kAclDeleteDefault[] = "ERR The 'default' user cannot be removed";
inline constexpr char kFmtAclUserNotFound[] = "ERR User '{}' not found";
inline constexpr char kFmtAclCommandNotFound[] = "ERR Command '{}' not found";
inline constexpr char kFmtAclUnknownCategory[] = "ERR Unknown category '{}'";
inline constexpr char kAclGenpassBits[] =
    "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096";
// Redis cannot fail here; OpenSSL's generator can (no entropy source), and then says so.
inline constexpr char kAclNoRandomBytes[] = "ERR could not generate random bytes for the password";
inline constexpr char kAclNoFile[] =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL "
    "SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to "
    "store users in the Redis configuration.";
// ACL LOAD's and the start-up load's reasons, then what follows them in the reply.
inline constexpr char kFmtAclFileOpen[] = "Error loading ACLs, opening file '{}': {}";
inline constexpr char kFmtAclFileNoUserKeyword[] = "{}:{} should start with user keyword followed by the username. ";
inline constexpr char kFmtAclFileBadRule[] = "{}:{}: Error in applying operation '{}': {}. ";
inline constexpr char kFmtAclFileDuplicateUser[] = "{}:{}: Duplicate user '{}' found. ";
inline constexpr char kAclFileNoChange[] =
    "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
inline constexpr char kAclSaveFailed[] =
    "ERR There was an error trying to save the ACLs. Please check the server logs for more information";

// Transactions.
inline constexpr char kExecWithoutMulti[] = "ERR EXEC without MULTI";
inline constexpr char kDiscardWithoutMulti[] = "ERR DISCARD without MULTI";
inline constexpr char kMultiNested[] = "ERR MULTI calls can not be nested";
inline constexpr char kWatchInsideMulti[] = "ERR WATCH inside MULTI is not allowed";
inline constexpr char kExecAbort[] = "EXECABORT Transaction discarded because of previous errors.";
inline constexpr char kMonitorDenyBlocking[] = "ERR MONITOR isn't allowed for DENY BLOCKING client";
inline constexpr char kNotAllowedInMulti[] = "ERR Command not allowed inside a transaction";
// A refused EXEC: the refusal's text, without its "ERR " prefix.
inline constexpr char kFmtExecAbortBecause[] = "EXECABORT Transaction discarded because of: {}";

// Hashes.
inline constexpr char kHashValueNotInteger[] = "ERR hash value is not an integer";
inline constexpr char kHashValueNotFloat[] = "ERR hash value is not a float";
inline constexpr char kIncrementNanOrInfinity[] = "ERR value is NaN or Infinity";

// SORT.
inline constexpr char kSortScoreNotDouble[] = "ERR One or more scores can't be converted into double";

// RESTORE of a DUMP payload (rdb/rdb_reader.cpp).
inline constexpr char kDumpPayloadBad[] = "ERR DUMP payload version or checksum are wrong";
inline constexpr char kBadDataFormat[] = "ERR Bad data format";

// Scripting (EVAL, redis.call). Texts inside a script have no code: the error table adds "ERR".
inline constexpr char kNoScript[] = "NOSCRIPT No matching script. Please use EVAL.";
inline constexpr char kNumKeysNegative[] = "ERR Number of keys can't be negative";
inline constexpr char kNumKeysTooMany[] = "ERR Number of keys can't be greater than number of args";
inline constexpr char kFmtScriptCompile[] = "ERR Error compiling script (new function): {}";
inline constexpr char kShebangInvalid[] = "ERR Invalid script shebang";
inline constexpr char kFmtShebangEngine[] = "ERR Unexpected engine in script shebang: {}";
inline constexpr char kFmtShebangFlag[] = "ERR Unexpected flag in script shebang: {}";
inline constexpr char kFmtShebangOption[] = "ERR Unknown lua shebang option: {}";
inline constexpr char kWriteFlagWithRo[] = "ERR Can not execute a script with write flag using *_ro command.";
inline constexpr char kFmtScriptRunError[] = "ERR Error running script {}, {:.100}";
inline constexpr char kScriptStackLimit[] = "ERR reached lua stack limit";
inline constexpr char kScriptNoArgs[] = "Please specify at least one argument for this redis lib call";
inline constexpr char kScriptBadArgType[] = "Lua redis lib command arguments must be strings or integers";
inline constexpr char kScriptAclCheckUnknown[] = "Invalid command passed to redis.acl_check_cmd()";
inline constexpr char kScriptUnknownCommand[] = "Unknown Redis command called from script";
inline constexpr char kScriptWrongArgs[] = "Wrong number of args calling Redis command from script";
inline constexpr char kScriptNoScriptCommand[] = "This Redis command is not allowed from script";
inline constexpr char kScriptAclDenied[] = "The user executing the script can't run this command or subcommand";
inline constexpr char kScriptReadOnly[] = "Write commands are not allowed from read-only scripts.";
inline constexpr char kScriptOom[] = "-OOM command not allowed when used memory > 'maxmemory'.";
// A script that learned to lock only its declared keys reached, after writing, a key whose stripe
// another client held below its own (DEVELOPING.md "Scripts and locks").
inline constexpr char kScriptLockConflict[] =
    "Script touched an undeclared key held by another client after writing; it will lock its whole database from now on";
// Raised inside a run being abandoned to restart it; never reaches a client.
inline constexpr char kScriptAbandoned[] = "script abandoned to run again with more locks";
inline constexpr char kScriptReadonlyTable[] = "Attempt to modify a readonly table";
inline constexpr char kFmtScriptNoGlobal[] = "Script attempted to access nonexistent global variable '{}'";
inline constexpr char kScriptSha1Args[] = "wrong number of arguments";
inline constexpr char kScriptReplyArgs[] = "wrong number or type of arguments";
inline constexpr char kScriptLogArgs[] = "redis.log() requires two arguments or more.";
inline constexpr char kScriptLogLevelNotNumber[] = "First argument must be a number (log level).";
inline constexpr char kScriptLogLevel[] = "Invalid debug level.";
inline constexpr char kScriptSetReplArgs[] = "redis.set_repl() requires two arguments.";
inline constexpr char kScriptSetReplFlags[] =
    "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.";
inline constexpr char kScriptSetRespArgs[] = "redis.setresp() requires one argument.";
inline constexpr char kScriptSetRespVersion[] = "RESP version must be 2 or 3.";
// Long-running scripts (busy-reply-threshold, SCRIPT KILL).
inline constexpr char kBusyEval[] =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr char kBusyFunction[] =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr char kNotBusy[] = "NOTBUSY No scripts in execution right now.";
inline constexpr char kUnkillable[] =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the "
    "script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
inline constexpr char kScriptKilled[] = "Script killed by user with SCRIPT KILL...";
// A busy script stopped because SHUTDOWN NOSAVE is ending the server (its caller is closed).
inline constexpr char kScriptShutdown[] = "Script stopped: the server is shutting down";
inline constexpr char kScriptFlushArgs[] = "ERR SCRIPT FLUSH only support SYNC|ASYNC option";

// Functions (FUNCTION, FCALL, redis.register_function). Texts raised inside a library's load have
// no code: the error table adds "ERR".
inline constexpr char kLibraryNoMetadata[] = "ERR Missing library metadata";
inline constexpr char kLibraryBadMetadata[] = "ERR Invalid library metadata";
inline constexpr char kFmtLibraryEngine[] = "ERR Engine '{}' not found";
inline constexpr char kLibraryNameTwice[] = "ERR Invalid metadata value, name argument was given multiple times";
inline constexpr char kFmtLibraryMetadataValue[] = "ERR Invalid metadata value given: {}";
inline constexpr char kLibraryNoName[] = "ERR Library name was not given";
// Redis 7.0 gives this text for a bad function name too (without the code: raised at load).
inline constexpr char kLibraryNameChars[] =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
inline constexpr char kFmtLibraryExists[] = "ERR Library '{}' already exists";
inline constexpr char kFmtRestoreLibraryExists[] = "ERR Library {} already exists";
inline constexpr char kFmtFunctionExists[] = "ERR Function {} already exists";
inline constexpr char kLibraryNoFunctions[] = "ERR No functions registered";
inline constexpr char kFmtFunctionCompile[] = "ERR Error compiling function: {}";
inline constexpr char kFmtFunctionRegister[] = "ERR Error registering functions: {}";
inline constexpr char kFunctionLoadTimeout[] = "FUNCTION LOAD timeout";
inline constexpr char kFunctionInLibrary[] = "Function already exists in the library";
inline constexpr char kRegisterOutsideLoad[] = "redis.register_function can only be called on FUNCTION LOAD command";
inline constexpr char kRegisterArgCount[] = "wrong number of arguments to redis.register_function";
inline constexpr char kRegisterNamedNotTable[] =
    "calling redis.register_function with a single argument is only applicable to Lua table (representing named "
    "arguments).";
inline constexpr char kRegisterKeyNotString[] = "named argument key given to redis.register_function is not a string";
inline constexpr char kRegisterNameNotString[] =
    "function_name argument given to redis.register_function must be a string";
inline constexpr char kRegisterDescNotString[] = "description argument given to redis.register_function must be a string";
inline constexpr char kRegisterCallbackNotFunction[] =
    "callback argument given to redis.register_function must be a function";
inline constexpr char kRegisterFlagsNotTable[] =
    "flags argument to redis.register_function must be a table representing function flags";
inline constexpr char kRegisterUnknownFlag[] = "unknown flag given";
inline constexpr char kRegisterUnknownArg[] = "unknown argument given to redis.register_function";
inline constexpr char kRegisterNoName[] = "redis.register_function must get a function name argument";
inline constexpr char kRegisterNoCallback[] = "redis.register_function must get a callback argument";
inline constexpr char kRegisterFirstNotString[] = "first argument to redis.register_function must be a string";
inline constexpr char kRegisterSecondNotFunction[] = "second argument to redis.register_function must be a function";
inline constexpr char kFunctionNotFound[] = "ERR Function not found";
inline constexpr char kLibraryNotFound[] = "ERR Library not found";
inline constexpr char kNumKeysBad[] = "ERR Bad number of keys provided";
inline constexpr char kFunctionFlushArgs[] = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
inline constexpr char kLibraryNameMissing[] = "ERR library name argument was not given";
inline constexpr char kFmtFunctionListArg[] = "ERR Unknown argument {}";
inline constexpr char kFmtFunctionLoadOption[] = "ERR Unknown option given: {}";
inline constexpr char kRestoreNotFunction[] = "ERR given type is not a function";
inline constexpr char kRestoreBadLibrary[] = "ERR Failed loading library payload";
inline constexpr char kRestorePolicy[] =
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";

}  // namespace strata::errors

#endif  // STRATA_COMMON_ERROR_TEXTS_H_
