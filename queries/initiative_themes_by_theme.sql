-- returns: the themes an initiative can answer (negative ones first), with their labels
-- grain: theme_id
-- params: none
with catalogue as (
    select theme_id, label, polarity from themes
)

select theme_id, label, polarity
from catalogue
order by polarity <> 'negative', label
