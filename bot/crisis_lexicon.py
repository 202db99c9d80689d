"""The words of a crisis: what people write when they think of suicide, self-harm or overdose.

Data only; `bot.crisis` normalises a message and matches it against these groups.

Every phrase is a regular expression over the *normalised* message: lower-case ASCII words
separated by single spaces, apostrophes dropped ("dont", "im"), accents dropped ("mi",
"extranaria"), sentence ends written as " | ", and every run of a repeated letter squeezed to
one ("kill" is read as "kil", "too" as "to"). Phrases are written here in ordinary spelling:
`bot.crisis` squeezes them the same way, and adds the word boundaries at both ends. `<NAME>`
stands for the shared fragment of that name in `FRAGMENTS`.

A group's `stems` are matched against the message with its spaces removed, so that
"sui cide", "k i l l my self" and "iwanttodie" are read too; only long, distinctive stems
belong there, never short words that could hide inside a name.

Where the groups come from: the domain notes' crisis wording (shared/domain.md §6b, phrasings
seen and missed in testing); the warning signs listed by the National Institute of Mental
Health and the Suicide Prevention Resource Center (talking about wanting to die, having no
reason to live or being a burden; stockpiling pills or buying a gun; saying goodbye, giving
possessions away, putting affairs in order); slang seen on social media
("kms", "unalive", "sewerslide"); and, in Spanish, the same warning signs as written by
Spanish speakers ("quiero morir", "estarían mejor sin mí", "ya no puedo más"). The lexicon
errs towards reading a message as a crisis: showing the resources to someone who did not need
them costs a message.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGLISH, SPANISH = "en", "es"


@dataclass(frozen=True)
class Group:
    """Phrases of one kind in one language; `danger` means overdose or danger right now."""

    name: str
    language: str
    danger: bool
    phrases: tuple[str, ...]
    stems: tuple[str, ...] = ()


FRAGMENTS = {
    # "myself" and the ways it is typed (typos one letter off are corrected before matching)
    "MYSELF": r"(?:my ?self|me ?self|mself|myslf|myselfe)",
    # wanting, wishing, planning: what comes before "to die", "to end it"
    "WANT": (
        r"(?:want|wanna|wana|wan|wnat|wnt|wamt|whant|wanted|wants|wanting|wish|wished|wishing|need|needed|"
        r"would like|d like|ready|going|gonna|gona|planning|plan|planned|trying|try|tried|"
        r"deserve|rather|prefer|hope|hoping|longing|decided|thinking about|thinking of|"
        r"think about|thought about|about to|might|will|wil|gotta|got to)"
    ),
    # "don't", as typed
    "DONT": r"(?:dont|do not|don|dnt|didnt|did not|dont really|really dont|just dont|no longer)",
    # "can't", as typed
    "CANT": r"(?:cant|can not|cannot|cnt|can t|couldnt|could not)",
    # "want to", as typed
    "WANT_TO": r"(?:want to|wanna|wana|want|wan to|wnat to|wnt to|wish to|feel like|care to)",
    # "anymore", as typed
    "ANYMORE": r"(?:anymore|any more|any longer|no more|no longer)",
    # pills and what is in them
    "PILLS": (
        r"(?:pills|pill|tablets|meds|medication|medications|medicine|bottle|pill bottle|"
        r"sleeping pills|pain pills|painkillers|xanax|tylenol|advil|ambien|oxy|oxycodone|"
        r"klonopin|ativan|valium|benadryl|insulin|lithium|seroquel|trazodone|antidepressants)"
    ),
    # Spanish: wanting, planning
    "QUIERO": (
        r"(?:quiero|kiero|qiero|quisiera|deseo|deceo|necesito|prefiero|voy a|vo a|pienso en|"
        r"pensando en|pienso|tengo ganas de|ganas de|me dan ganas de|me gustaria|desearia|"
        r"ojala pudiera|estoy pensando en|he pensado en)"
    ),
    # Spanish: pills
    "PASTILLAS": r"(?:pastillas|pildoras|tabletas|medicinas|medicamentos|pastias|pastilla)",
}


GROUPS: tuple[Group, ...] = (
    # -- English ---------------------------------------------------------------------------
    Group(
        "direct",
        ENGLISH,
        False,
        # Saying it outright (domain notes §6b: "i wanna die", "going to end it").
        phrases=(
            r"suicid\w*",
            r"kil(?:l|ls|ling|led)? <MYSELF>",
            r"(?:someone|somebody|please|pls|plz|god|just|to|wish (?:someone|somebody) would) kill me",
            r"<WANT> (?:to )?(?:just |really |simply )?die(?! of (?:laughter|embarrassment))",
            r"(?:to|wanna|gonna|wana|gona|might|will|just|could) off <MYSELF>",
            r"offing <MYSELF>",
            r"end(?:ing)? <MYSELF>",
            r"(?:take|taking|took) my (?:own )?life",
            r"end(?:ing)? (?:my|this) (?:own )?life",
            r"end(?:ing)? it all",
            r"<WANT> (?:to )?end (?:it|things|everything|this|my life)(?! (?:with|at|there|here|on|by|for) )",
            r"(?:going to|gonna|gona|about to|ready to|will|im) end it(?! (?:with|at|there|here|on|by|for) )",
            r"(?:i|im|i am|feel|feeling|been|getting|get|so) suicidal",
            r"thoughts (?:of|about) (?:suicide|dying|death|killing <MYSELF>|ending it|not being here)",
            r"(?:thinking|think|thought) (?:about|of) (?:dying|death|killing <MYSELF>|ending it)",
        ),
        stems=(r"suicid", r"kil(?:ing)?myself", r"wan(?:t|a)?todie(?!t)", r"endmylife"),
    ),
    Group(
        "indirect",
        ENGLISH,
        False,
        # The passive and indirect wishes the 988 Lifeline lists as warning signs, and the
        # phrasings of §6b: "I wish I was dead", "better off without me", "I can't go on".
        phrases=(
            r"better off dead",
            r"(?:rather|sooner) (?:be dead|die|not exist|not be alive|not be here)",
            r"(?:wish|wished|want|wanted|hope|hoping) (?:that )?i (?:was|were|could be|would be|d be|had been|am) dead",
            r"(?:want|wanted|wanna|wana|ready) (?:to )?be dead",
            r"wish i (?:was|were|had|had been) never (?:been )?born",
            r"wish i (?:could|would) (?:just )?(?:die|disappear|stop existing|not wake up|never wake up|fall asleep and)",
            r"wish i (?:didnt|did not|dont) exist",
            r"<DONT> <WANT_TO> (?:be )?(?:live|living|be alive|alive|exist|existing|wake up|keep living|keep going|go on|continue|be around|be in this world|do this life)",
            r"<DONT> <WANT_TO> be here(?! (?:at|on|by|for|until|til|till|before|after|when|with|in|tomorrow|today|next))",
            r"<DONT> <WANT_TO> (?:be )?(?:here|alive|around) <ANYMORE>",
            r"(?:want|wanted|wanna|wana) (?:to )?(?:disappear forever|stop existing|not exist|not be here|not wake up|never wake up|sleep forever|fall asleep forever|go to sleep forever|just disappear)",
            r"(?:hope|hoping|pray|praying) (?:that )?i (?:just )?(?:dont|do not|never|wont|will not) wake up",
            r"(?:wont|will not|wil not|not going to|not gonna) be (?:around|here|alive) (?:much longer|for long|for much longer|<ANYMORE>)",
            r"(?:go to sleep|fall asleep|sleep) and (?:never|not) wake up",
            r"better off without me",
            r"better (?:off )?(?:if i (?:was|were|wasnt|werent|was not|were not) (?:gone|dead|here|around|alive)|if i (?:died|disappeared))",
            r"(?:world|everyone|everybody|family|they|kids) (?:would|will|wil|d) be better (?:off )?(?:without me|if i)",
            r"(?:nobody|no one|noone|no body|none) (?:would|will|wil|d|is going to|gonna|even) (?:even )?(?:miss|notice|care about|care) me",
            r"(?:nobody|no one|noone|no body) (?:would|will|wil|d|is going to|gonna) (?:even )?(?:notice|care) (?:if|when) i",
            r"(?:would|will|wil|does|do) (?:anyone|anybody|somebody|someone) (?:even )?(?:miss me|care if i|notice if i)",
            r"(?:care|miss me|notice) if i (?:died|was dead|were dead|was gone|were gone|wasnt here|disappeared|killed <MYSELF>)",
            r"<CANT> (?:go on|keep going|keep living|go on living|live like this|live with this|take (?:it|this|much more|any more|anymore)|do this <ANYMORE>|do life|handle (?:it|this|life) <ANYMORE>|cope <ANYMORE>|bear (?:it|this|living)|keep doing this|be here <ANYMORE>|hold on <ANYMORE>|stand (?:it|this|living) <ANYMORE>)(?! (?:mon|tues|wednes|thurs|fri|satur|sun)day| the | a | an | that | this | their | your | his | her | line | vacation | leave | hold )",
            r"(?:tired|sick|exhausted) (?:and tired )?of (?:living|being alive|life|existing|being here|this life|waking up)",
            r"(?:whats|what is|wats|whts|what even is|whats even) the point (?:of|in) (?:living|livin|livng|life|being alive|existing|going on|it all|any of (?:it|this)|anything|waking up|even trying|staying alive)",
            r"(?:whats|what is|wats) the point <ANYMORE>",
            r"(?:no|not any|isnt any|there is no|theres no) (?:point|reason|purpose|use) (?:in|to|of|for) (?:living|live|life|go on|going on|being alive|keep going|keep living|existing|stay alive|staying alive|being here|wake up|waking up)",
            r"(?:no|dont have any|dont have a|lost my|lost the) (?:reason|will|desire) to (?:live|go on|keep going|be alive)",
            r"nothing (?:left )?to live for",
            r"(?:life|living|my life) (?:isnt|is not|aint|not|is no longer) worth (?:it|living)",
            r"not worth living",
            r"(?:dont|do not|cant|cannot) see (?:the|any) point (?:in|of|to) (?:going on|go on|living|live|life|anything|being alive|trying|it all|waking up|any of (?:it|this))",
            r"(?:feel|feeling|felt) like (?:ending it|ending my life|dying|killing <MYSELF>|disappearing forever|i want to die|i should die)",
            r"(?:think|thinking|thought|dream|dreaming|wish|wishing|fantasize|fantasizing) (?:about|of) not waking up",
            r"(?:nobody|no one|noone|no body) (?:cares|would care|will care|wil care|gives a damn) (?:if|whether) i (?:live|die|died|am alive|was gone|disappear)",
            r"(?:dont|do not) think i (?:can|could) (?:keep living|go on|keep going|live like this|do this <ANYMORE>|take (?:it|this) <ANYMORE>)",
            r"hate (?:being alive|living|existing|waking up every day)",
            r"wish i (?:wasnt|werent|was not|were not) (?:alive|here <ANYMORE>|around <ANYMORE>|born)",
            r"(?:life|my life) is (?:pointless|meaningless|not worth it)",
            r"(?:give|giving|gave) up on (?:life|living|being alive)",
            r"done with (?:life|living|being alive|this life|this world|existing)",
            r"(?:want|wanted|wanna|need) (?:it all|everything|my life|life|this life) to (?:end|be over|stop)",
            r"(?:this is|say(?:ing)? (?:my )?(?:final|last)) goodbye",
            r"goodbye (?:forever|cruel world|world|everyone forever)",
            r"(?:suicide|goodbye) (?:note|notes|letter|letters)",
            r"giving away (?:all )?my (?:stuff|things|belongings|possessions)",
            r"(?:put|putting|get|getting) my affairs in order",
            r"(?:burden|weight) (?:to|on|for) (?:everyone|everybody|my family|them|the people i love|my kids)",
            r"(?:world|everyone) (?:would|will|wil|d) be better without me",
            r"(?:can|cant) see (?:a|any) way out",
            r"no way out(?! of (?:the|this|my) (?:plan|contract|network|deductible|policy))",
            r"(?:want|wanna|ready) to go (?:to sleep )?forever",
        ),
        stems=(r"betterofwithoutme", r"wishiwasdead", r"dontwantobehere", r"nobodywouldmisme"),
    ),
    Group(
        "slang",
        ENGLISH,
        False,
        # Social-media slang and euphemism (domain notes §6b: "kms", "unalive myself").
        phrases=(
            r"kms",
            r"kmsl(?! ol)",
            r"unaliv\w*",
            r"un alive (?:<MYSELF>|me)",
            r"sewer ?slide\w*",
            r"commit (?:sudoku|toaster bath|die)",
            r"(?:catch|catching|take|taking) the (?:bus|ctb) (?:for good|out)",
            r"rope ?max\w*",
            r"(?:toaster|toast) bath",
            r"(?:self|my) delete",
            r"(?:delete|deleting|erase|erasing) <MYSELF>",
            r"(?:game|gam) end <MYSELF>",
        ),
        stems=(r"unaliv", r"sewerslide", r"kilingmyself"),
    ),
    Group(
        "plans and means",
        ENGLISH,
        False,
        # Plans and means (a bridge, a gun, pills) from §6b and the Lifeline's warning signs.
        phrases=(
            r"(?:jump|jumping|jumped|leap|leaping|throw <MYSELF>|throwing <MYSELF>) (?:off|from|in front of|into|onto|of) (?:a |the |my |that )?(?:bridge|building|roof|rooftop|cliff|ledge|balcony|train|bus|truck|car|traffic|subway|overpass|tower|window|parking garage)",
            r"(?:step|walk|stepping|walking|throw <MYSELF>|lie down|lay down) (?:in front of|into|onto|on) (?:a |the )?(?:train|bus|truck|car|traffic|tracks|train tracks|highway|freeway)",
            r"(?:drive|driving|crash|crashing|steer|steering) (?:my car )?(?:off|into|of|over) (?:a |the )?(?:bridge|cliff|tree|wall|overpass|river|lake|ledge)",
            r"crash my car on purpose",
            r"(?:walk|walking|drive|driving) into (?:the |a )?(?:ocean|sea|river|lake|traffic)",
            r"(?:shoot|shooting|shot) <MYSELF>(?! in the foot)",
            r"(?:gun|pistol|barrel|bullet) (?:to|in|through|against) my (?:head|brain|mouth|temple)",
            r"(?:blow|blowing|blew) my (?:brains|head) (?:out|off)",
            r"eat (?:a|my) (?:bullet|gun)",
            r"(?:bought|buy|buying|get|getting|got|borrow|borrowed|loaded|loading|have|own) (?:a |the |my |dads |a new )?(?:gun|pistol|rifle|shotgun|revolver|handgun) (?:to|for|so i can|and) (?:use on <MYSELF>|<MYSELF>|end|kill|shoot|die|do it|finish)",
            r"(?:hang|hanging|hung) <MYSELF>",
            r"noose",
            r"(?:bought|got|buy|buying|have) (?:a |the |some )?rope (?:to|for|and) (?:hang|<MYSELF>|end|die)",
            r"(?:saving|saved|save|stockpiling|stockpile|stockpiled|hoarding|hoard|hoarded|collecting|collected|stashing|stash|stashed|storing) (?:up )?(?:all )?(?:my |of my |enough |the |some )?<PILLS>(?! for (?:the|my) (?:trip|vacation))",
            r"(?:going to|gonna|gona|want to|wanna|wana|will|plan to|planning to|ready to|about to|thinking (?:about|of)|think about|could|might) (?:take|taking|swallow|swallowing|down|downing|eat|od on) (?:all|every one|every single one|the whole|a whole|an entire|a bunch|a handful|too many|enough|a lot|so many|all of) (?:of )?(?:my |the |these |those )?<PILLS>",
            r"enough <PILLS> to (?:die|not wake up|end it|kill)",
            r"<PILLS> (?:saved|stashed|stockpiled|hoarded) up",
            r"(?:going to|gonna|gona|about to|ready to|want to|wanna|wana|im gonna|im going to) jump(?= \||$| of | from | in front)",
            r"<PILLS> (?:all )?at once",
            r"(?:slit|slitting|cut|cutting|slash|slashing|open|opening) (?:my |open my )?(?:wrist|wrists|throat|veins)",
            r"(?:drown|drowning|poison|poisoning|starve|starving|suffocate|suffocating|electrocute|gas|gassing|stab|stabbing|strangle|strangling) <MYSELF>",
            r"(?:carbon monoxide|exhaust|tailpipe) (?:in the garage|to end|to die|to kill)",
        ),
        stems=(r"hangmyself", r"shotmyself", r"shotmyself"),
    ),
    Group(
        "self-harm",
        ENGLISH,
        False,
        # Self-harm without a wish to die is still a crisis (§6b "cutting myself").
        phrases=(
            r"self ?harm\w*",
            r"(?:cut|cuts|cutting|burn|burned|burnt|burning|hurt|hurts|hurting|harm|harming|hit|hitting|punch|punching|scratch|scratching|punish|punishing|bite|biting|carve|carving|mutilate|mutilating|injure|injuring|cutted) <MYSELF>(?! (?:cooking|skiing|shaving|at work|playing|by accident|accidentally))",
            r"(?:cut|cutting|burned|burnt|burning|carved|carving|slashed) (?:my|me) (?:arm|arms|wrist|wrists|legs|leg|thigh|thighs|skin|stomach)(?! (?:cooking|shaving|by accident|on the))",
            r"(?:started|start|been|keep|kept|back to|went back to|relapsed (?:on|with|into)|urge to|urges to) (?:cutting|self harm|self harming|hurting <MYSELF>)",
            r"cutting again",
            r"(?:i|ive|i have|i just|and|just) cut (?:<MYSELF> )?again",
            r"(?:relapsed|relapse) (?:on|with|into) (?:cutting|self harm)",
        ),
        stems=(r"selfharm", r"hurtmyself", r"cutmyself", r"cutingmyself"),
    ),
    Group(
        "overdose or danger now",
        ENGLISH,
        True,
        # An overdose or danger right now needs 911 and Poison Control first (§6b).
        phrases=(
            r"(?:took|taken|swallowed|ate|downed|popped|have taken|drank|drunk|injected) (?:too many|to many|2 many|way too many|a lot of|lots of|a bunch of|a handful of|handfuls of|all (?:of )?(?:my|the|these|those|his|her)|all|the whole|a whole|an entire|every|so many|like [1-9][0-9]+|[1-9][0-9]+|fifty|twenty|thirty|forty|sixty|a hundred|too much of (?:my|the)) (?:of )?(?:my |the |these |those |sleeping |pain |anxiety |his |her )?<PILLS>(?! (?:in the morning|every day|each day|daily|as prescribed|with food|at night))",
            r"(?:i|ive|i have|i just|just|think i) (?:took|taken|swallowed|drank|had) (?:way )?too (?:much|many)(?! (?:time|money|of (?:the|my) (?:time|money)))",
            r"(?:took|taken|take|taking) an? (?:overdose|od)",
            r"overdos\w*",
            r"over ?dos(?:e|ed|ing)",
            r"(?:i|just|im|gonna|gona|going to|to|might|will|wil|wanna|wana|about to|think i|i think i|think ive|ive) (?:od|oded|oding|odding)(?! [0-9])",
            r"(?:swallowed|drank|drunk|drinking|ingested|took) (?:some |a bottle of |the )?(?:bleach|poison|antifreeze|rat poison|drain cleaner)",
            r"poisoned <MYSELF>",
            r"(?:im|i am|standing|sitting|stood|sat|up) on (?:the|a|this|top of the|the edge of the|the edge of a) (?:bridge|ledge|roof|rooftop|edge|cliff|train tracks|tracks|overpass|balcony railing|railing)",
            r"(?:gun|pistol|knife|blade|razor|barrel) (?:is )?(?:in my hand|in my mouth|to my head|against my head|at my head|on my wrist|to my throat|against my throat)",
            r"(?:holding|have|got|i have|ive got) (?:a|the|my) (?:gun|pistol|knife|razor|blade) (?:right now|to my|in my mouth|against my)",
            r"(?:bleeding|blood) (?:a lot|everywhere|wont stop|badly|heavily|so much)",
            r"<CANT> stop (?:the )?bleeding",
            r"cut (?:way )?(?:too )?deep",
            r"(?:kil|kill|kiling|killing|end|ending|off|offing|hang|hanging|shoot|shooting|hurt|od) (?:<MYSELF>|my life|it all|it) (?:tonight|right now|now|today|this morning|this afternoon|this evening)",
            r"(?:noose|rope) (?:is )?(?:ready|around my neck|tied|up)",
            r"(?:mixed|mixing) (?:my )?<PILLS> (?:with|and) (?:alcohol|vodka|whiskey|wine|beer|booze)",
        ),
        stems=(r"overdos", r"toomanypils"),
    ),
    # -- Spanish ---------------------------------------------------------------------------
    Group(
        "directo",
        SPANISH,
        False,
        # §6b: "quiero morir", "me quiero matar", "suicidarme", "quitarme la vida".
        phrases=(
            r"suicid(?:io|arme|arse|ar|a|as|ándome|andome|arnos)",
            r"suisid\w*",
            r"<QUIERO> (?:morir|morirme|muerir|matarme|matar|suicidarme|desaparecer para siempre|dejar de existir|no existir|no despertar|dormir para siempre|no estar aqui|estar muert[oa])(?! de (?:risa|la risa|verguenza|la verguenza|hambre|sueno|calor|frio|amor|ganas|envidia|aburrimiento))",
            r"me (?:quiero|kiero|voy a|vo a|quisiera|dan ganas de) (?:morir|matar|matr|suicidar|quitar la vida|ir para siempre|ahorcar|colgar|cortar las venas|tirar de un puente|envenenar|pegar un tiro)(?! de (?:risa|la risa|verguenza|hambre|sueno|calor|frio|amor|ganas|envidia|aburrimiento))",
            r"matarme",
            r"(?:quitarme|quitar me|me quito|quitare) la vida",
            r"(?:acabar|terminar|poner fin|ponerle fin|terminar de una vez) (?:con|a) (?:mi vida|mi existencia|todo de una vez|todo(?! (?:el|la|lo|los|las) (?:tramite|papeleo|proceso|seguro|pago)))",
            r"(?:pienso|pensando|pensamientos|ideas) (?:en|de) (?:morir|la muerte|matarme|suicidio|suicidarme|quitarme la vida)",
        ),
        stems=(r"suicidarme", r"suicidio", r"quieromorir", r"mequieromatar", r"quitarmelavida"),
    ),
    Group(
        "indirecto",
        SPANISH,
        False,
        # §6b: "no quiero vivir", "estarían mejor sin mí"; and "ya no puedo más", "no aguanto
        # más", "nadie me extrañaría", as Spanish speakers write them.
        phrases=(
            r"no (?:quiero|kiero|qiero|deseo|quisiera) (?:vivir|seguir viviendo|existir|despertar|despertarme|estar viv[oa]|seguir con vida|vivir mas|seguir aqui|estar en este mundo)",
            r"no (?:quiero|kiero|qiero) (?:estar|seguir) aqui(?! (?:el|los|la|las|en|a las|manana|hasta|mucho|tanto))",
            r"no (?:quiero|kiero) seguir(?= \||$| y | pero | asi| adelante)",
            r"(?:ya )?no (?:puedo|aguanto|soporto) (?:mas|seguir asi|seguir viviendo|vivir asi|con mi vida|con esta vida|esta vida|mi vida|con esto|seguir(?= \||$| y | pero ))",
            r"(?:estarian|estaran|estarian todos|todos estarian|estaria|estarias) mejor sin mi",
            r"mejor (?:si )?(?:yo )?no (?:estuviera|existiera|hubiera nacido)",
            r"nadie me (?:extranaria|extranara|va a extranar|echaria de menos|va a echar de menos|echara de menos|extrana)",
            r"(?:a nadie|nadie) le (?:importaria|importa|importara) si (?:muero|me muero|desaparezco|me mato|no estoy|me voy)",
            r"(?:mejor|prefiero|preferiria) (?:estar )?muert[oa]",
            r"ojala (?:estuviera muert[oa]|me muriera|me muera|no despertar|no despertara|no haber nacido|nunca hubiera nacido|no existiera|desapareciera)",
            r"(?:quisiera|desearia|me gustaria|deseo) (?:estar muert[oa]|no haber nacido|desaparecer|no existir|dormir y no despertar)",
            r"(?:que|cual es el|no tiene|no le veo|no le encuentro|sin) sentido (?:tiene )?(?:a |de )?(?:vivir|la vida|seguir viviendo|seguir vivo|seguir viva)",
            r"(?:para que|pa que) (?:vivir|seguir viviendo|seguir vivo|seguir viva|seguir aqui)",
            r"no vale la pena (?:vivir|seguir viviendo|seguir)",
            r"no tengo (?:razon|razones|motivo|motivos|nada|por que|porque) (?:para|por) (?:vivir|seguir)",
            r"(?:cansad[oa]|harto|harta|agotad[oa]) de (?:vivir|la vida|existir|estar viv[oa]|despertar)",
            r"(?:soy|solo soy) una carga para (?:todos|mi familia|mis hijos|ellos)",
            r"(?:me despido|esta es mi despedida|adios para siempre|adios a todos para siempre)",
            r"dormir(?:me)? para siempre",
        ),
        stems=(r"noquierovivir", r"estarianmejorsinmi", r"yanopuedomas"),
    ),
    Group(
        "autolesiones y medios",
        SPANISH,
        False,
        # Self-harm and means, in Spanish; "me corto el pelo" (a haircut) stays an answer.
        phrases=(
            r"cortarme (?:las venas|los brazos|las munecas|otra vez|de nuevo|la piel|las piernas)",
            r"cortandome",
            r"(?:me )?(?:estoy|sigo|volvi a|vuelvo a) cortando(?:me)?(?! el (?:pelo|cabello))",
            r"me (?:corto|corte|volvi a cortar) (?:los brazos|las venas|las munecas|la piel|las piernas|otra vez)",
            r"(?:hacerme|me hago|me hice|me estoy haciendo|hacerme mucho) dano",
            r"lastimarme",
            r"me (?:lastimo|lastime|lastimé) (?:a proposito|sola|solo|otra vez|yo mism[oa])",
            r"autolesion\w*",
            r"(?:me )?(?:quemo|queme) (?:la piel|los brazos|con cigarros)",
            r"(?:tirarme|aventarme|lanzarme|botarme|echarme) (?:de|del|desde|a|al|por|frente a|enfrente de|bajo) (?:un |el |la |una |los )?(?:puente|edificio|techo|azotea|tren|metro|ventana|balcon|carro|coche|camion|carros|vias)",
            r"(?:pegarme|darme|meterme) un (?:tiro|balazo)",
            r"me (?:quiero|kiero|voy a|vo a|pienso) (?:tirar|aventar|lanzar|botar|echar) (?:de|del|desde|a|al|por|frente a|enfrente de|bajo) (?:un |el |la |una |los )?(?:puente|edificio|techo|azotea|tren|metro|ventana|balcon|carro|coche|camion|carros|vias)",
            r"dispararme",
            r"ahorcarme",
            r"colgarme(?! el (?:telefono|bolso))",
            r"(?:juntando|guardando|junte|guarde|juntar|guardar|acumulando|acumular) (?:mis |las |todas las |todas mis |muchas )?<PASTILLAS>(?! para (?:el|mi) viaje)",
            r"(?:tomarme|tragarme) (?:todas (?:mis|las)|un frasco|el frasco|muchas|demasiadas|toda la caja)",
            r"(?:voy a|quiero|kiero|pienso) tomar(?:me)? (?:todas (?:mis|las)|un frasco|el frasco|demasiadas|toda la caja) <PASTILLAS>",
        ),
        stems=(r"cortarmelasvenas", r"ahorcarme", r"hacermedano"),
    ),
    Group(
        "sobredosis o peligro ahora",
        SPANISH,
        True,
        # Overdose or danger now, in Spanish: 911 and Poison Control first (§6b).
        phrases=(
            r"(?:me )?(?:tome|trague|tomé|tragué|he tomado|acabo de tomar|me acabo de tomar|me tomo) (?:todas|muchas|demasiadas|un monton de|un punado de|[1-9][0-9]+) (?:las |mis |de |de las |de mis |de esas )?<PASTILLAS>",
            r"(?:me )?(?:tome|trague|tomé|tragué|he tomado|acabo de tomar|me acabo de tomar|me tomo) (?:un frasco|el frasco|todo el frasco|el frasco entero|el frasco completo|toda la caja|la caja entera|el bote entero|todo el bote|toda la botella|varias cajas)",
            r"(?:tome|trague|tomado) demasiad[ao]s? <PASTILLAS>",
            r"sobre ?dosis",
            r"(?:me )?(?:estoy|e) desangrando",
            r"no (?:para|paro|deja|dejo|puedo parar) de sangrar",
            r"(?:sangrando|sangro) (?:mucho|demasiado|sin parar)",
            r"(?:estoy|ando) (?:en el|arriba del|sobre el|en la orilla del|al borde del) (?:puente|techo|borde|azotea|barandal)",
            r"tengo (?:la|una|el) (?:pistola|arma|cuchillo|navaja) (?:en la mano|en la cabeza|en la boca|en el cuello)",
            r"(?:me )?envenene",
            r"(?:tome|trague|bebi) (?:veneno|cloro|raticida|anticongelante)",
            r"(?:me voy a matar|me mato|voy a matarme|me suicido) (?:hoy|ahora|esta noche|ya)",
        ),
        stems=(r"sobredosis", r"metometodaslaspastilas"),
    ),
)


FUZZY_WORDS = (
    # Longer words whose one-letter typos ("myslef", "suicdie", "pastilals") are corrected
    # before matching. Only words that no ordinary answer is one letter away from.
    "myself",
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "anymore",
    "without",
    "unalive",
    "nobody",
    "everyone",
    "matarme",
    "suicidarme",
    "suicidio",
    "suicida",
    "suicidas",
    "pastillas",
    "extranaria",
    "sobredosis",
    "cortarme",
    "quitarme",
    "morirme",
    "despertar",
    "aguanto",
    "quiero",
)


SPANISH_MARKERS = frozenset(
    # Common Spanish words, to answer a Spanish message in Spanish when only a shared stem
    # ("suicid") matched.
    [
        "quiero",
        "ya",
        "mi",
        "me",
        "yo",
        "que",
        "de",
        "la",
        "el",
        "los",
        "las",
        "en",
        "por",
        "para",
        "estoy",
        "tengo",
        "pienso",
        "siento",
        "muy",
        "mas",
        "todo",
        "nada",
        "nadie",
        "vida",
        "morir",
        "vivir",
        "puedo",
        "aguanto",
        "sin",
        "con",
        "porque",
        "pero",
        "es",
        "soy",
        "estar",
        "seguro",
        "hoy",
        "ahora",
    ]
)
ENGLISH_MARKERS = frozenset(
    # Common English words, the counterweight to SPANISH_MARKERS.
    [
        "i",
        "im",
        "me",
        "my",
        "the",
        "to",
        "and",
        "of",
        "it",
        "is",
        "a",
        "want",
        "dont",
        "cant",
        "just",
        "be",
        "am",
        "feel",
        "think",
        "about",
        "some",
        "days",
        "honestly",
        "life",
        "really",
        "so",
        "not",
        "with",
        "would",
        "was",
        "were",
        "will",
        "anymore",
        "everyone",
        "nobody",
        "if",
        "this",
        "that",
        "what",
        "whats",
        "can",
        "like",
        "you",
        "all",
        "going",
        "gonna",
        "wanna",
        "kill",
        "myself",
        "die",
        "dead",
        "better",
        "off",
        "without",
        "miss",
    ]
)
