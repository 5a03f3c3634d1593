-- returns: the first and last day with feedback, orders and contacts, and the number of customers
-- grain: one row
-- params: none
select
    (select min(day) from feedback_daily) as feedback_first_day,
    (select max(day) from feedback_daily) as feedback_last_day,
    (select max(day) from orders_daily)   as orders_last_day,
    (select max(day) from contacts_daily) as contacts_last_day,
    (select count(*) from customers)      as customers
